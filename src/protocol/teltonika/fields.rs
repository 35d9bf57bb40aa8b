//! Every field the Teltonika decoder produces, declared once.

use crate::protocol::kit::fields;

fields! {
    IMEI_LEN = "teltonika.imei_length", "IMEI length", Bytes, "Length of the IMEI that follows (15)";
    IMEI = "imei", "IMEI", None, "Device identity: 15 ASCII digits";
    ANSWER = "teltonika.login_answer", "Login answer", None, "01: the server accepts the IMEI, 00: it refuses it";
    ACK_COUNT = "teltonika.ack_count", "Records accepted", None, "The server's answer to an AVL packet: how many records it took";
    PREAMBLE = "teltonika.preamble", "Preamble", None, "Four zero bytes start a TCP packet";
    LENGTH = "teltonika.length", "Data length", Bytes, "Bytes from the codec to the second record count";
    CODEC = "teltonika.codec", "Codec", None, "08 codec 8, 8E codec 8 extended, 10 codec 16, 0C/0D/0E commands";
    COUNT1 = "teltonika.count", "Records", None, "Number of records (first count)";
    COUNT2 = "teltonika.count_end", "Records (end)", None, "Number of records (second count, must equal the first)";
    CRC = "teltonika.crc", "CRC", None, "CRC-16/IBM of the bytes from the codec to the second count";
    RECORD = "teltonika.record", "AVL record", None, "One record: time, priority, GPS element, I/O elements";
    TIME = "teltonika.time", "Time", None, "UTC time of the record (milliseconds since 1970)";
    PRIORITY = "teltonika.priority", "Priority", None, "0 low, 1 high, 2 panic";
    LONGITUDE = "teltonika.longitude", "Longitude", Degrees, "Longitude (signed, 1e-7 degrees on the wire)";
    LATITUDE = "teltonika.latitude", "Latitude", Degrees, "Latitude (signed, 1e-7 degrees on the wire)";
    ALTITUDE = "teltonika.altitude", "Altitude", Metres, "Altitude above sea level";
    ANGLE = "teltonika.angle", "Angle", Degrees, "Heading, degrees from north";
    SATELLITES = "teltonika.satellites", "Satellites", None, "Satellites in use (0: no fix)";
    SPEED = "teltonika.speed", "Speed", KmH, "Speed in km/h";
    EVENT_IO = "teltonika.event_io", "Event I/O", None, "The I/O element that caused the record (0: periodic)";
    GENERATION = "teltonika.generation", "Generation type", None, "Codec 16: on exit, on entrance, on both, reserved, hysteresis, on change, eventual, periodical";
    IO_COUNT = "teltonika.io_count", "I/O elements", None, "Number of I/O elements in the record";
    IO = "teltonika.io", "I/O element", None, "One I/O element: its id and value";
    COMMAND_TYPE = "teltonika.command_type", "Type", None, "05 command (to the device; in codec 13 the device's text), 06 response, 11 not executed";
    COMMAND = "teltonika.command", "Text", None, "The command or response text";
    PACKET_ID = "teltonika.packet_id", "Packet ID", None, "UDP: the packet's id, echoed in the acknowledgement";
    PACKET_TYPE = "teltonika.packet_type", "Packet type", None, "UDP: 01 (data without acknowledgement request is not used)";
    AVL_PACKET_ID = "teltonika.avl_packet_id", "AVL packet ID", None, "UDP: the AVL packet's id, echoed in the acknowledgement";
    DATA = "teltonika.data", "Data", Bytes, "Bytes the analyzer does not break down";
    JUNK = "teltonika.junk", "Not Teltonika", Bytes, "Bytes that are not a Teltonika packet";
}
