//! Photos the devices sent, as JPEG files named by the device's IMEI and the capture time,
//! never by anything else the device chose ([`file_name`]); `decode --photos` and
//! `export --to photos` both write them with [`write`].

use std::io;
use std::path::{Path, PathBuf};

use crate::model::PhotoSummary;

/// The file name of the `n`-th photo of a run (from 1): `IMEI-YYYYMMDD-HHMMSS-n.jpg` (UTC),
/// `notime` in place of the time when the capture has none, `unknown` when no IMEI. Only ASCII
/// letters and digits of the IMEI are kept (anything else becomes `_`), so the name has no
/// separator, dot or drive and stays in the folder it is written to; `n` makes it unique.
pub fn file_name(imei: &str, ts_ns: Option<i64>, n: usize) -> String {
    let mut id: String = imei
        .chars()
        .take(32)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.is_empty() {
        id = "unknown".into();
    }
    let when = ts_ns
        .and_then(|t| chrono::DateTime::from_timestamp(t.div_euclid(1_000_000_000), 0))
        .map_or_else(
            || "notime".to_string(),
            |t| t.format("%Y%m%d-%H%M%S").to_string(),
        );
    format!("{id}-{when}-{n}.jpg")
}

/// Writes every photo into `dir` (created when missing; a file of the same name is replaced);
/// returns the files written, in order.
pub fn write(dir: &Path, photos: &[PhotoSummary]) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::with_capacity(photos.len());
    for (i, p) in photos.iter().enumerate() {
        let path = dir.join(file_name(&p.imei, p.ts, i + 1));
        std::fs::write(&path, &p.jpeg)?;
        files.push(path);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_imei_and_time_and_nothing_the_device_chose() {
        assert_eq!(
            file_name("864180034124375", Some(1_714_557_600_000_000_000), 1),
            "864180034124375-20240501-100000-1.jpg"
        );
        assert_eq!(file_name("", None, 2), "unknown-notime-2.jpg");
        let evil = file_name("../../etc/x", None, 3);
        assert_eq!(evil, "______etc_x-notime-3.jpg");
        assert!(!evil.contains('/') && !evil.contains('\\'));
    }
}
