//! Every field the GT06 decoder produces, declared once (name, label, unit, help). The names
//! are what the filter language asks for; `imei` is shared with the other protocols.

use crate::protocol::{FieldDef, Unit};

macro_rules! fields {
    ($($id:ident = $name:literal, $label:literal, $unit:ident, $help:literal;)*) => {
        $(#[doc = $help] pub static $id: FieldDef = FieldDef::new($name, $label, Unit::$unit, $help);)*
        /// Every field, for filters and documentation.
        pub static ALL: &[&FieldDef] = &[$(&$id),*];
    };
}

fields! {
    START = "gt06.start", "Start", None, "78 78 (short frame, 1-byte length) or 79 79 (extended, 2-byte length)";
    LENGTH = "gt06.length", "Length", Bytes, "Counts protocol number, content, serial and CRC";
    TYPE = "gt06.type", "Protocol number", None, "Message type";
    CONTENT = "gt06.content", "Content", Bytes, "The message's content";
    SERIAL = "gt06.serial", "Serial number", None, "Information serial number, echoed by the server's answer";
    CRC = "gt06.crc", "CRC", None, "CRC-16/X-25 over length through serial";
    CRC_OK = "gt06.crc_ok", "CRC correct", None, "True when the CRC sent is the one computed";
    STOP = "gt06.stop", "Stop", None, "0D 0A ends every frame";
    TRAILING = "gt06.trailing", "Trailing bytes", Bytes, "Bytes after the end the frame's length announces";
    GARBAGE = "gt06.garbage", "Garbage", Bytes, "Bytes that do not start with 78 78 or 79 79 (resynchronisation)";
    EXTRA = "gt06.extra", "Further bytes", Bytes, "Content past the fields decoded (model-specific extensions)";
    IMEI = "imei", "IMEI", None, "Device identity: 15 digits, the last a Luhn check digit";
    TERMINAL_ID = "gt06.login.terminal_id", "Terminal ID", None, "8 bytes BCD: the IMEI with a leading 0";
    TYPE_ID = "gt06.login.type_id", "Type identifier", None, "Model code sent by newer firmware";
    TZ_WORD = "gt06.login.tz_word", "Time zone / language", None, "Upper 12 bits: zone as hhmm; bit 3: west";
    TIMEZONE = "gt06.login.timezone", "Time zone", None, "The device clock's zone (local minus UTC)";
    GPS = "gt06.gps", "GPS", None, "GPS block: time, satellites, position, speed, course and status";
    GPS_TIME = "gt06.gps.time", "Fix time (UTC)", None, "UTC date and time of the fix: YY MM DD hh mm ss";
    GPS_INFO_LEN = "gt06.gps.info_length", "GPS info length", Bytes, "High nibble: length of the GPS information";
    GPS_SATS = "gt06.gps.satellites", "Satellites", None, "Satellites in use (low nibble)";
    GPS_LAT = "gt06.gps.latitude", "Latitude", Degrees, "Latitude in signed decimal degrees (wire: degrees x 1,800,000)";
    GPS_LON = "gt06.gps.longitude", "Longitude", Degrees, "Longitude in signed decimal degrees (wire: degrees x 1,800,000)";
    GPS_RAW = "gt06.gps.raw", "Raw value", None, "The value as sent: degrees x 1,800,000 (minutes x 30,000)";
    GPS_SPEED = "gt06.gps.speed", "Speed", KmH, "Speed over ground";
    GPS_COURSE_STATUS = "gt06.gps.course_status", "Course and status", None, "Bits 0-9 course, 10 north, 11 west, 12 valid, 13 differential";
    GPS_COURSE = "gt06.gps.course", "Course", Degrees, "Course over ground (bits 0-9)";
    GPS_NORTH = "gt06.gps.north", "North latitude", None, "Bit 10: set for north, clear for south";
    GPS_WEST = "gt06.gps.west", "West longitude", None, "Bit 11: set for west, clear for east";
    GPS_VALID = "gt06.gps.valid", "Fix valid", None, "Bit 12: set when the fix is valid";
    GPS_DIFF = "gt06.gps.differential", "Differential", None, "Bit 13: differential / real-time positioning";
    GPS_ACC = "gt06.gps.acc", "ACC", None, "Bit 15 when bit 14 is set: ignition";
    LBS = "gt06.lbs", "Cell", None, "Serving cell: MCC, MNC, LAC, cell id";
    LBS_LENGTH = "gt06.lbs.length", "Cell info length", Bytes, "Length of the cell block, this byte included";
    MCC = "gt06.lbs.mcc", "MCC", None, "Mobile country code";
    MNC = "gt06.lbs.mnc", "MNC", None, "Mobile network code";
    LAC = "gt06.lbs.lac", "LAC", None, "Location area code";
    CELL_ID = "gt06.lbs.cell_id", "Cell ID", None, "Cell identity";
    RSSI = "gt06.lbs.rssi", "Signal", Signal, "Cell signal strength as sent";
    TA = "gt06.lbs.ta", "Timing advance", None, "GSM timing advance";
    CELL_COUNT = "gt06.lbs.count", "Cells", None, "Number of cells that follow";
    WIFI = "gt06.wifi", "Wi-Fi access point", None, "A Wi-Fi access point heard by the unit";
    WIFI_COUNT = "gt06.wifi.count", "Access points", None, "Number of Wi-Fi access points that follow";
    WIFI_MAC = "gt06.wifi.mac", "MAC", None, "Access point MAC address";
    WIFI_RSSI = "gt06.wifi.rssi", "Signal", Signal, "Access point signal strength as sent";
    TIME = "gt06.time", "Time (UTC)", None, "Date and time the message carries: YY MM DD hh mm ss";
    INFO = "gt06.status.info", "Terminal information", None, "Flags: armed, ACC, charging, alarm, GPS tracking, relay";
    ARMED = "gt06.status.armed", "Armed", None, "Bit 0: defence (arming) on";
    ACC = "gt06.status.acc", "ACC", None, "Bit 1: ignition (ACC) high";
    CHARGING = "gt06.status.charging", "Charging", None, "Bit 2: external power charging the battery";
    ALARM_BITS = "gt06.status.alarm_bits", "Alarm bits", None, "Bits 3-5: the alarm the unit is in";
    TRACKING = "gt06.status.gps_tracking", "GPS tracking", None, "Bit 6: GPS tracking on";
    RELAY = "gt06.status.relay", "Relay (oil/power cut)", None, "Bit 7: oil and electricity disconnected";
    VOLTAGE_LEVEL = "gt06.status.voltage_level", "Voltage level", None, "Battery level 0 (none) to 6 (full)";
    BATTERY = "gt06.status.battery", "Battery", Percent, "Battery level as a percentage (level x 100 / 6)";
    VOLTAGE = "gt06.status.voltage", "Voltage", Volts, "Battery voltage (0.01 V units)";
    GSM = "gt06.status.gsm", "GSM signal", None, "GSM signal 0 (none) to 4 (strong)";
    ALARM = "gt06.alarm", "Alarm", None, "Alarm type";
    LANGUAGE = "gt06.language", "Language", None, "Language of the unit's SMS: 01 Chinese, 02 English";
    ACC_BYTE = "gt06.acc", "ACC", None, "Ignition: 00 low, 01 high";
    UPLOAD_MODE = "gt06.upload_mode", "Upload mode", None, "Why the position was sent";
    REUPLOAD = "gt06.reupload", "Re-upload", None, "00 real time, 01 re-uploaded from memory";
    MILEAGE = "gt06.mileage", "Mileage", Metres, "Odometer";
    PHONE = "gt06.phone", "Phone number", None, "Phone number (ASCII)";
    TEXT_LENGTH = "gt06.text.length", "Text length", Bytes, "Length of server flag and text";
    SERVER_FLAG = "gt06.text.server_flag", "Server flag", None, "4 bytes the server chose, echoed by the unit";
    ENCODING = "gt06.text.encoding", "Encoding", None, "01 ASCII, 02 UTF-16BE";
    TEXT = "gt06.text", "Text", None, "Command or answer text";
    INFO_TYPE = "gt06.info.type", "Information type", None, "Sub-type of the information message";
    EXT_VOLTAGE = "gt06.info.voltage", "External voltage", Volts, "External power voltage (0.01 V units)";
    DOOR = "gt06.info.door", "Door", None, "Door input (bit 0)";
    INFO_FLAGS = "gt06.info.flags", "Flags", None, "Input flags";
    INFO_IMEI = "gt06.info.imei", "IMEI (BCD)", None, "The IMEI the unit reports with its ICCID";
    IMSI = "gt06.info.imsi", "IMSI", None, "SIM subscriber identity (BCD)";
    ICCID = "gt06.info.iccid", "ICCID", None, "SIM card number (BCD)";
    RFID = "gt06.info.rfid", "RFID tag", None, "Driver tag number";
    INFO_DATA = "gt06.info.data", "Data", None, "Information content";
    DEVICE_TYPE = "gt06.serial_data.device", "External device", None, "Type code of the device on the serial port";
    SERIAL_DATA = "gt06.serial_data.data", "Serial data", None, "What the external device sent";
}
