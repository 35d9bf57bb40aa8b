//! Every field the H02 decoder produces, declared once.

use crate::protocol::kit::fields;

fields! {
    MAKER = "h02.maker", "Maker", None, "Two letters after '*': HQ for H02 units, others for compatible makers";
    IMEI = "imei", "Device ID", None, "Device identifier: 10 digits, or the 15-digit IMEI";
    COMMAND = "h02.command", "Command", None, "V1 position, HTBT/V0 heartbeat, NBR/V3 cell towers, LINK status, V4 answer; S.., D1, R.. from the server";
    TIME = "h02.time", "Time", None, "UTC time of the fix, hhmmss";
    VALIDITY = "h02.validity", "Validity", None, "A: valid fix, V: last known position (some units send 0 or nothing: not valid)";
    LATITUDE = "h02.latitude", "Latitude", Degrees, "Latitude, ddmm.mmmm (or -dd-mm.mmmm, or ddmmmmmm with four implied decimals) and N/S, signed decimal degrees as value";
    LONGITUDE = "h02.longitude", "Longitude", Degrees, "Longitude, dddmm.mmmm (or -ddd-mm.mmmm, or dddmmmmmm) and E/W, signed decimal degrees as value";
    SPEED = "h02.speed", "Speed", Knots, "Speed in knots";
    COURSE = "h02.course", "Course", Degrees, "Course over ground";
    DATE = "h02.date", "Date", None, "UTC date of the fix, ddmmyy";
    FIX_TIME = "h02.fix_time", "Fix time (UTC)", None, "Date and time of the fix";
    STATUS = "h02.status", "Status", None, "32 status bits in hex (alarms and inputs, active low)";
    DATA = "h02.data", "Data", None, "What the command carries, as sent";
    TERMINATOR = "h02.terminator", "Terminator", None, "'#' ends a text sentence";
    BATTERY = "h02.battery", "Battery byte", None, "The byte between latitude and longitude of a binary record (battery level on most units)";
    FLAGS = "h02.flags", "Fix flags", None, "Low nibble after the longitude: 2 valid, 4 north, 8 east";
    EXTRA = "h02.extra", "Extension", Bytes, "Bytes after the 32-byte record (extended units)";
    JUNK = "h02.junk", "Not H02", Bytes, "Bytes that are not an H02 sentence or record";
}
