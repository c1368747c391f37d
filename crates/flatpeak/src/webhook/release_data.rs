//! An event's `data` decoded with the types of the release that generated it.
//!
//! `data` has the shape of the API release named by the delivery's `Flatpeak-Version`, not of
//! whichever release the receiver's client uses. [`ReleaseData`] picks the release module by
//! that version and decodes `data` with its generated `types::EventData`; a version the crate
//! has no event types for stays JSON ([`ReleaseData::Unknown`]), and data that does not have
//! its release's shape is a [`DataError`] that keeps it.

use std::fmt;

use serde_json::Value;

/// An event's `data` in the shape of the release that generated it, decoded with that
/// release's generated types (from [`Event::release_data`](super::Event::release_data)).
///
/// One variant per release module whose spec describes events (an `EventData` schema), each
/// behind its release's cargo feature: Zero and Anode. Each holds that release's
/// `types::EventData`, itself an enum by the object's kind (`Device`, `Customer`, `Location`,
/// `TariffElement`, or its own `Unknown` JSON for an object kind the release does not type).
///
/// The release is chosen by the delivery's `Flatpeak-Version`, matched whole against each
/// module's [`ReleaseClient::FLATPEAK_VERSION`](crate::ReleaseClient::FLATPEAK_VERSION).
/// [`ReleaseData::Unknown`] holds, as JSON, the data of any other version: a release this
/// version of the crate does not know, a release whose cargo feature is off, another revision
/// of a known release (`2026-01-01.anode` is not `2025-09-14.anode`: its shapes may differ,
/// so it is not decoded as if they did), and a release whose spec describes no events (Busbar,
/// Yotta). Nothing is dropped: [`Event::data_as`](super::Event::data_as) can still decode it.
///
/// `Flatpeak-Version` is not covered by the signature (only the timestamp and the body are):
/// a delivery replayed within the tolerance could be relabelled with another version, and
/// its data decoded with another release's types (or kept as [`ReleaseData::Unknown`]). The
/// data is still the signed bytes: relabelling changes how it is read, not what it says.
///
/// `Debug` names the release and the object's kind, never the values (they are customer
/// data).
///
/// ```
/// # #[cfg(all(feature = "test-util", feature = "anode"))] {
/// use flatpeak::anode::types::EventData;
/// use flatpeak::webhook::testing::{TestSigner, event_body};
/// use flatpeak::webhook::{ReleaseData, Verifier};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let signer = TestSigner::generate("wsk_test_1")?;
/// let verifier = Verifier::new(signer.key_set());
/// let data = serde_json::json!({
///     "id": "dev_63a6087272941ef077a8fd3e",
///     "object": "device",
///     "live_mode": true,
///     "time_created": "2022-01-24T14:15:22Z",
///     "account_id": "acc_661677911f2197045e6cf1b1",
/// });
/// let body = event_body("evt_1", "device.update", data);
/// let delivery = signer.sign_now(body)?; // Flatpeak-Version: 2025-09-14.anode
/// let event = verifier.verify(&delivery.headers, &delivery.body).await?;
///
/// match event.release_data()? {
///     ReleaseData::Anode(EventData::Device(device)) => assert_eq!(device.live_mode, true),
///     ReleaseData::Unknown { version, data } => println!("{version}: {data}"),
///     other => println!("another release or object: {other:?}"),
/// }
/// # Ok(())
/// # }
/// # main().unwrap();
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum ReleaseData {
    /// Release Zero (`2024-08-24.zero`): its `types::EventData`.
    #[cfg(feature = "zero")]
    #[cfg_attr(docsrs, doc(cfg(feature = "zero")))]
    Zero(crate::zero::types::EventData),
    /// Release Anode (`2025-09-14.anode`): its `types::EventData`.
    #[cfg(feature = "anode")]
    #[cfg_attr(docsrs, doc(cfg(feature = "anode")))]
    Anode(crate::anode::types::EventData),
    /// A version this build has no event types for (see [`ReleaseData`]): the data as sent.
    Unknown {
        /// The delivery's `Flatpeak-Version`.
        version: String,
        /// `data`, as sent.
        data: Value,
    },
}

/// One release whose `data` this build decodes: its name, its `Flatpeak-Version`, and how.
struct Typed {
    name: &'static str,
    version: Option<&'static str>,
    decode: fn(&Value) -> Result<ReleaseData, serde_json::Error>,
}

/// The releases with event types, as the enabled features give them.
const TYPED: &[Typed] = &[
    #[cfg(feature = "zero")]
    Typed {
        name: <crate::zero::Client as crate::ReleaseClient>::RELEASE,
        version: <crate::zero::Client as crate::ReleaseClient>::FLATPEAK_VERSION,
        decode: |data| serde::Deserialize::deserialize(data).map(ReleaseData::Zero),
    },
    #[cfg(feature = "anode")]
    Typed {
        name: <crate::anode::Client as crate::ReleaseClient>::RELEASE,
        version: <crate::anode::Client as crate::ReleaseClient>::FLATPEAK_VERSION,
        decode: |data| serde::Deserialize::deserialize(data).map(ReleaseData::Anode),
    },
];

impl ReleaseData {
    /// Decodes `data` as an event's data of the release `flatpeak_version` names (a whole
    /// `Flatpeak-Version`, for example `2025-09-14.anode`). [`ReleaseData::Unknown`] for a
    /// version this build has no event types for; [`DataError`], holding `data`, when the
    /// release is known and `data` is not of its shape.
    pub fn decode(flatpeak_version: &str, data: Value) -> Result<ReleaseData, DataError> {
        let Some(typed) = TYPED.iter().find(|t| t.version == Some(flatpeak_version)) else {
            return Ok(ReleaseData::Unknown {
                version: flatpeak_version.to_string(),
                data,
            });
        };
        (typed.decode)(&data).map_err(|source| DataError {
            release: typed.name,
            version: flatpeak_version.to_string(),
            data,
            source: std::sync::Arc::new(source),
        })
    }

    /// The releases whose event data this build decodes (by the cargo features enabled), as
    /// (release name, `Flatpeak-Version`) pairs: `("anode", "2025-09-14.anode")`.
    pub fn typed_releases() -> impl Iterator<Item = (&'static str, &'static str)> {
        TYPED
            .iter()
            .filter_map(|t| t.version.map(|version| (t.name, version)))
    }

    /// The release whose types hold the data (`"zero"`, `"anode"`); `None` for
    /// [`ReleaseData::Unknown`].
    pub fn release(&self) -> Option<&'static str> {
        match self {
            #[cfg(feature = "zero")]
            Self::Zero(_) => Some("zero"),
            #[cfg(feature = "anode")]
            Self::Anode(_) => Some("anode"),
            Self::Unknown { .. } => None,
        }
    }

    /// The data as JSON: the typed value serialised back (fields its types do not declare are
    /// gone), or the JSON of [`ReleaseData::Unknown`] as sent.
    pub fn to_json(&self) -> Value {
        match self {
            #[cfg(feature = "zero")]
            Self::Zero(data) => serde_json::to_value(data).unwrap_or(Value::Null),
            #[cfg(feature = "anode")]
            Self::Anode(data) => serde_json::to_value(data).unwrap_or(Value::Null),
            Self::Unknown { data, .. } => data.clone(),
        }
    }
}

/// The variant of a release's `EventData`, for `Debug` (its values are customer data).
#[cfg(any(feature = "zero", feature = "anode"))]
macro_rules! variant_name {
    ($module:ident, $data:expr) => {{
        use crate::$module::types::EventData;
        match $data {
            EventData::Device(_) => "Device",
            EventData::Customer(_) => "Customer",
            EventData::Location(_) => "Location",
            EventData::TariffElement(_) => "TariffElement",
            EventData::Unknown(_) => "Unknown",
            #[allow(unreachable_patterns)]
            _ => "other",
        }
    }};
}

impl fmt::Debug for ReleaseData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "zero")]
            Self::Zero(data) => write!(f, "Zero({}(..))", variant_name!(zero, data)),
            #[cfg(feature = "anode")]
            Self::Anode(data) => write!(f, "Anode({}(..))", variant_name!(anode, data)),
            Self::Unknown { version, .. } => f
                .debug_struct("Unknown")
                .field("version", version)
                .finish_non_exhaustive(),
        }
    }
}

/// An event's data is not of the shape of the release its `Flatpeak-Version` names.
///
/// It names the release and keeps the data ([`DataError::data`], [`DataError::into_data`]).
/// `Display` and `Debug` do not quote the data; [`std::error::Error::source`] is serde's
/// error, whose message names the field that does not decode (`... (at `location.timezone`)`)
/// and may quote a value of it.
#[derive(Clone)]
pub struct DataError {
    release: &'static str,
    version: String,
    data: Value,
    source: std::sync::Arc<serde_json::Error>,
}

impl DataError {
    /// The release whose shape the data does not have (`"anode"`).
    pub fn release(&self) -> &'static str {
        self.release
    }

    /// The delivery's `Flatpeak-Version`.
    pub fn flatpeak_version(&self) -> &str {
        &self.version
    }

    /// The data, as sent.
    pub fn data(&self) -> &Value {
        &self.data
    }

    /// The data, as sent, taken out of the error.
    pub fn into_data(self) -> Value {
        self.data
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the event's data does not have the shape of release {} ({}): it is kept as JSON",
            self.release, self.version
        )
    }
}

impl fmt::Debug for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataError")
            .field("release", &self.release)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}
