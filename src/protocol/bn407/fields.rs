//! Every field the BN-407 decoder produces, declared once (name, label, unit, help).
//! The names are what the filter language asks for.

use crate::protocol::{FieldDef, Unit};

macro_rules! fields {
    ($($id:ident = $name:literal, $label:literal, $unit:ident, $help:literal;)*) => {
        $(#[doc = $help] pub static $id: FieldDef = FieldDef::new($name, $label, Unit::$unit, $help);)*
        /// Every field, for filters and documentation.
        pub static ALL: &[&FieldDef] = &[$(&$id),*];
    };
}

fields! {
    IMEI = "imei", "IMEI", None, "Device identity: 15 digits, the last a Luhn check digit";
    IMEI_PREFIX = "imei.prefix", "IMEI marker", None, "'imei:' before the IMEI";
    TERMINATOR = "frame.terminator", "Terminator", None, "Bytes that end the frame (';', '*', or a line end)";
    LOGIN = "login", "Login", None, "Device login: the server must answer LOAD";
    LOGIN_PREFIX = "login.prefix", "Login marker", None, "'##' starts a login";
    LOGIN_FLAG = "login.flag", "Login flag", None, "Login flag, 'A' on every known firmware";
    HEARTBEAT = "heartbeat", "Heartbeat", None, "Keep-alive (the IMEI alone): the server must answer ON";
    GLUED = "heartbeat.glued", "Glued heartbeat", None, "A heartbeat glued to the start of the next report";
    KEYWORD = "report.keyword", "Keyword", None, "What the report is: periodic, an alarm, or an event";
    ALARM = "report.alarm", "Alarm", None, "The alarm the keyword raises";
    KEYWORD_VALUE = "report.keyword_value", "Keyword value", None, "A number carried inside the keyword (temperature, fuel, photo packets, event number)";
    LOCAL_TIME = "report.local_time", "Local time", None, "Device-local wall-clock time of the report";
    PHONE = "report.phone", "Phone", None, "Authorised phone number (field 3)";
    RFID = "report.rfid", "RFID tag", None, "RFID tag number read by the unit";
    BATTERY = "report.battery", "Battery", Percent, "Battery level (field 3 on 4G firmware)";
    FIELD3 = "report.field3", "Field 3 number", None, "A number in field 3 whose meaning depends on the firmware";
    GPS_FLAG = "report.gps", "Position source", None, "F: a GNSS fix follows; L: no fix, cell data follows";
    UTC_TIME = "report.utc_time", "UTC time", None, "UTC time of day of the fix";
    FIX_TIME = "report.fix_time", "Fix time (UTC)", None, "UTC date and time of the fix: local date, UTC time of day, rolled over at midnight";
    TZ_OFFSET = "report.tz_offset", "Device time zone", None, "Local time minus UTC: the time zone the device is set to";
    VALIDITY = "report.validity", "Validity", None, "A: valid fix, V: invalid (last known position)";
    LATITUDE = "report.latitude", "Latitude", Degrees, "Latitude, ddmm.mmmm on the wire, signed decimal degrees as value";
    LAT_HEMI = "report.lat_hemisphere", "N/S", None, "Latitude hemisphere";
    LONGITUDE = "report.longitude", "Longitude", Degrees, "Longitude, dddmm.mmmm on the wire, signed decimal degrees as value";
    LON_HEMI = "report.lon_hemisphere", "E/W", None, "Longitude hemisphere";
    SPEED = "report.speed", "Speed", Knots, "Speed over ground as sent, in knots";
    SPEED_KMH = "report.speed_kmh", "Speed", KmH, "Speed over ground in km/h (derived from knots)";
    COURSE = "report.course", "Course", Degrees, "Course over ground";
    ALTITUDE = "report.altitude", "Altitude", Metres, "Altitude (extended firmware)";
    ACC = "report.acc", "ACC (ignition)", None, "Ignition input (extended firmware)";
    DOOR = "report.door", "Door", None, "Door input (extended firmware)";
    FUEL1 = "report.fuel1", "Fuel 1", Percent, "Fuel level, first sensor (extended firmware)";
    FUEL2 = "report.fuel2", "Fuel 2 / odometer", None, "Second fuel sensor; some firmware puts the odometer here";
    TEMPERATURE = "report.temperature", "Temperature", Celsius, "Temperature probe (extended firmware)";
    DTC = "report.dtc", "Trouble code", None, "OBD trouble code carried in a report slot";
    LAC = "report.lac", "LAC", None, "Cell location area code (hex on the wire)";
    CID = "report.cid", "Cell ID", None, "Cell identity (hex on the wire)";
    EXTRA = "extra", "Extra field", None, "A field no known firmware variant defines, kept as sent";
    OBD_TIME = "obd.time", "Local time", None, "Device-local time of the OBD reading";
    OBD_ODOMETER = "obd.odometer", "Odometer", Km, "Odometer";
    OBD_FUEL_INSTANT = "obd.fuel_instant", "Fuel (instant)", LPerH, "Instant fuel consumption";
    OBD_FUEL_AVERAGE = "obd.fuel_average", "Fuel (average)", LPer100Km, "Average fuel consumption";
    OBD_ENGINE_HOURS = "obd.engine_hours", "Engine hours", Hours, "Engine running time";
    OBD_SPEED = "obd.speed", "Speed", KmH, "Vehicle speed from the OBD bus";
    OBD_LOAD = "obd.engine_load", "Engine load", Percent, "Engine load";
    OBD_COOLANT = "obd.coolant", "Coolant temperature", Celsius, "Engine coolant temperature";
    OBD_THROTTLE = "obd.throttle", "Throttle", Percent, "Throttle position";
    OBD_RPM = "obd.rpm", "Engine speed", Rpm, "Engine speed";
    OBD_BATTERY = "obd.battery", "Battery voltage", Volts, "Vehicle battery voltage";
    OBD_DTC = "obd.dtc", "Trouble code", None, "OBD diagnostic trouble code";
    ALT_NAME = "alt.name", "Device name", None, "Name configured in the device";
    ALT_EVENT = "alt.event", "Event", None, "Event, or --- for none";
    ALT_SENSOR_ID = "alt.sensor_id", "Sensor ID", None, "Sensor identity, or --- for none";
    ALT_SENSOR_V = "alt.sensor_voltage", "Sensor voltage", Volts, "Sensor voltage, or --- for none";
    ALT_TIME = "alt.time", "UTC time", None, "UTC time of day (hhmmss)";
    ALT_DATE = "alt.date", "UTC date", None, "UTC date (ddmmyy)";
    ALT_FIX_TIME = "alt.fix_time", "Fix time (UTC)", None, "UTC date and time of the fix";
    ALT_RSSI = "alt.rssi", "Signal (RSSI)", Signal, "GSM signal strength";
    ALT_GPS = "alt.gps_status", "GPS status", None, "1: valid fix, 0: no valid fix";
    ALT_LAT = "alt.latitude", "Latitude", Degrees, "Latitude in signed decimal degrees";
    ALT_LON = "alt.longitude", "Longitude", Degrees, "Longitude in signed decimal degrees";
    ALT_SPEED = "alt.speed_kmh", "Speed", KmH, "Speed in km/h";
    ALT_COURSE = "alt.course", "Course", Degrees, "Course over ground";
    ALT_ALTITUDE = "alt.altitude", "Altitude", Metres, "Altitude";
    ALT_HDOP = "alt.hdop", "HDOP", None, "Horizontal dilution of precision";
    ALT_SATS = "alt.satellites", "Satellites", None, "Satellites in use";
    ALT_IGNITION = "alt.ignition", "Ignition", None, "Ignition input";
    ALT_CHARGING = "alt.charging", "Charging", None, "External power charging the battery";
    ALT_ERROR = "alt.error", "Error", None, "Device error text, or --- for none";
    ALT_SHORT = "alt.no_position", "No position", None, "Short form: the device has no position to send";
    PHOTO_DATA = "photo.data", "Photo packet", Bytes, "Hex-encoded photo packet";
    PHOTO_INDEX = "photo.index", "Packet index", None, "Packet number within the photo (little-endian)";
    PHOTO_LENGTH = "photo.length", "Payload length", Bytes, "Payload length from the packet header (little-endian)";
    PHOTO_PAYLOAD = "photo.payload", "JPEG data", Bytes, "Piece of the JPEG this packet carries";
    PHOTO_TRAILER = "photo.trailer", "Trailer", None, "Two trailing bytes of the packet";
    LOAD = "server.load", "LOAD", None, "Server accepts the login";
    ON = "server.on", "ON", None, "Server answers the heartbeat";
    COMMAND = "command", "Command", None, "Server command to the device";
    COMMAND_PREFIX = "command.prefix", "Command marker", None, "'**' starts a server command";
    COMMAND_CODE = "command.code", "Command code", None, "What the server asks the device to do";
    COMMAND_ARG = "command.argument", "Argument", None, "Command argument";
    COMMAND_INTERVAL = "command.interval", "Report interval", Seconds, "Periodic report interval asked for";
    UNKNOWN = "data", "Data", Bytes, "Bytes not understood as a BN-407 message";
}
