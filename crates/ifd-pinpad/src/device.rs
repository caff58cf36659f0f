//! Which ports a reader listens on, from its `reader.conf` entry.
//!
//! `DEVICENAME pinpad:<card port>:<keys port>` (pcsc-lite passes it to
//! `IFDHCreateChannelByName`; a name with a `:` is not checked as a file,
//! `configfile.l`), or, without a `DEVICENAME`, `CHANNELID <card port>` with
//! the keys on the next port (`IFDHCreateChannel`). Both always on 127.0.0.1.

use thiserror::Error;

use crate::codes::Dword;

/// The reader's two loopback ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// Where the virtual card connects (vpcd's protocol).
    pub card: u16,
    /// Where the keys are pressed (the `keys` protocol).
    pub keys: u16,
}

/// A `DEVICENAME` or `CHANNELID` this driver cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// Not `pinpad:<card port>:<keys port>`.
    #[error("DEVICENAME must be pinpad:<card port>:<keys port>, not {0:?}")]
    Format(String),
    /// A port that is 0, too large, or the same for both.
    #[error("the card and keys ports must be two different ports from 1 to 65535")]
    Ports,
}

impl Ports {
    /// From `DEVICENAME`.
    pub fn from_device_name(name: &str) -> Result<Ports, DeviceError> {
        let format = || DeviceError::Format(name.chars().take(64).collect());
        let mut parts = name.split(':');
        let (Some("pinpad"), Some(card), Some(keys), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format());
        };
        let port = |s: &str| s.parse::<u16>().map_err(|_| format());
        Ports::checked(port(card)?, port(keys)?)
    }

    /// From `CHANNELID`: the card on it, the keys on the next port.
    pub fn from_channel(channel: Dword) -> Result<Ports, DeviceError> {
        let card = u16::try_from(channel).map_err(|_| DeviceError::Ports)?;
        Ports::checked(card, card.checked_add(1).ok_or(DeviceError::Ports)?)
    }

    fn checked(card: u16, keys: u16) -> Result<Ports, DeviceError> {
        if card == 0 || keys == 0 || card == keys {
            return Err(DeviceError::Ports);
        }
        Ok(Ports { card, keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names() {
        assert_eq!(
            Ports::from_device_name("pinpad:40019:40020"),
            Ok(Ports {
                card: 40019,
                keys: 40020
            })
        );
        for bad in [
            "",
            "pinpad",
            "pinpad:1",
            "pinpad:1:2:3",
            "vpcd:1:2",
            "pinpad:x:2",
            "pinpad:70000:2",
        ] {
            assert!(
                matches!(Ports::from_device_name(bad), Err(DeviceError::Format(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            Ports::from_device_name("pinpad:5:5"),
            Err(DeviceError::Ports)
        );
        assert_eq!(
            Ports::from_device_name("pinpad:0:5"),
            Err(DeviceError::Ports)
        );
    }

    #[test]
    fn channel_ids() {
        assert_eq!(
            Ports::from_channel(0x9C53),
            Ok(Ports {
                card: 0x9C53,
                keys: 0x9C54
            })
        );
        assert_eq!(Ports::from_channel(65535), Err(DeviceError::Ports));
        assert_eq!(Ports::from_channel(1 << 20), Err(DeviceError::Ports));
        assert_eq!(Ports::from_channel(0), Err(DeviceError::Ports));
    }
}
