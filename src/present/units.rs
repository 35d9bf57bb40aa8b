//! Positions, speeds and distances as people read them.

/// A position as `lat,lon` to five decimals (about a metre): `38.72000,-9.14000`.
pub fn fmt_position(lat: f64, lon: f64) -> String {
    format!("{lat:.5},{lon:.5}")
}

/// A position as `lat, lon` to six decimals, for a point looked at closely.
pub fn fmt_position_fine(lat: f64, lon: f64) -> String {
    format!("{lat:.6}, {lon:.6}")
}

/// A speed: `12.3 km/h`.
pub fn fmt_speed(kmh: f64) -> String {
    format!("{kmh:.1} km/h")
}

/// A distance in metres as kilometres to one decimal: `1.2 km`.
pub fn fmt_km(m: f64) -> String {
    format!("{:.1} km", m / 1000.0)
}

/// A round length for a scale bar: `500 m`, `2 km`.
pub fn fmt_length(m: f64) -> String {
    if m >= 1000.0 {
        format!("{} km", m / 1000.0)
    } else {
        format!("{m} m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_speeds_and_lengths() {
        assert_eq!(fmt_position(38.72, -9.14), "38.72000,-9.14000");
        assert_eq!(fmt_position_fine(38.72, -9.14), "38.720000, -9.140000");
        assert_eq!(fmt_speed(f64::from(12.25f32)), "12.2 km/h");
        assert_eq!(fmt_km(1234.0), "1.2 km");
        assert_eq!(fmt_length(500.0), "500 m");
        assert_eq!(fmt_length(2000.0), "2 km");
    }
}
