//! Live mode: `bn407 listen` answers trackers as their server would, or relays them to their
//! platform, over TCP and UDP. Its modules sit here; so far [`record`], which writes every byte
//! of the live traffic to pcapng files that reopen in the analyzer and in Wireshark.

pub mod record;
