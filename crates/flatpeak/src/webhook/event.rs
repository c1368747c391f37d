//! The event a delivery carries, typed where the envelope is stable and raw where it is not.
//!
//! The envelope (`id`, `object`, `type`, `data`, `time_created`) is the same in every API
//! release; `data` has the shape of the release that generated the event (the delivery's
//! `Flatpeak-Version`), so it stays JSON until the receiver decodes it with that release's
//! types ([`Event::data_as`]). The type is an open enum: Flatpeak adds event types without
//! notice, and an unknown one arrives as [`EventType::Unknown`] with its text.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::NotAnEvent;
use super::release_data::{DataError, ReleaseData};

/// Declares [`EventType`] from (variant, wire string, what happened) rows.
macro_rules! event_types {
    ($($variant:ident => $wire:literal: $doc:literal,)*) => {
        /// An event's `type`, `resource.event` (for example `location.update`).
        ///
        /// Open: a type this version does not know is [`EventType::Unknown`] with the text as
        /// sent, and `Display` / `FromStr` round-trip every value to and from the wire string.
        /// Parsing a known string always gives its variant, never `Unknown`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventType {
            $(
                #[doc = concat!("`", $wire, "`: ", $doc)]
                $variant,
            )*
            /// A type this version of the crate does not know, as sent.
            Unknown(String),
        }

        impl EventType {
            /// The wire string, for example `"tariff.fetch.failed"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(text) => text,
                }
            }

            /// The type a wire string names.
            fn from_wire(text: &str) -> EventType {
                match text {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_string()),
                }
            }

            /// Every type this version knows.
            pub fn known() -> impl Iterator<Item = EventType> {
                [$(Self::$variant),*].into_iter()
            }
        }
    };
}

event_types! {
    CustomerCreate => "customer.create": "a customer was created.",
    CustomerUpdate => "customer.update": "a customer was updated.",
    CustomerDelete => "customer.delete": "a customer was deleted.",
    CustomerCreateFailed => "customer.create.failed": "creating a customer failed.",
    CustomerUpdateFailed => "customer.update.failed": "updating a customer failed.",
    CustomerDeleteFailed => "customer.delete.failed": "deleting a customer failed.",
    LocationCreate => "location.create": "a location was created.",
    LocationUpdate => "location.update": "a location's data changed (prices included).",
    LocationDelete => "location.delete": "a location was deleted.",
    LocationCreateFailed => "location.create.failed": "creating a location failed.",
    LocationUpdateFailed => "location.update.failed": "updating a location failed.",
    LocationDeleteFailed => "location.delete.failed": "deleting a location failed.",
    DeviceCreate => "device.create": "a device was created.",
    DeviceUpdate => "device.update": "a device was updated.",
    DeviceDelete => "device.delete": "a device was deleted.",
    DeviceCreateFailed => "device.create.failed": "creating a device failed.",
    DeviceUpdateFailed => "device.update.failed": "updating a device failed.",
    DeviceDeleteFailed => "device.delete.failed": "deleting a device failed.",
    ConnectSessionComplete => "connect_session.complete":
        "a Connect session completed (from the Anode release on).",
    ScheduleCreated => "schedule.created": "a schedule was created for a location (beta).",
    TariffExpiring => "tariff.expiring": "a tariff's contract term ends soon.",
    TariffExpired => "tariff.expired": "a tariff's contract term ended.",
    TariffFetchFailed => "tariff.fetch.failed":
        "Flatpeak repeatedly failed to get a tariff from its provider.",
    TariffConnectionUpgrade => "tariff.connection.upgrade":
        "a better connection to the tariff's provider is available.",
}

impl EventType {
    /// The kind of object the event is about: the part of the type before the first `.`.
    pub fn object_kind(&self) -> ObjectKind {
        let prefix = self.as_str().split('.').next().unwrap_or_default();
        ObjectKind::from_wire(prefix)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(EventType::from_wire(text))
    }
}

impl serde::Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(EventType::from_wire(&text))
    }
}

/// The kind of object an event is about, from its type's prefix (`location.update` is about a
/// location).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// `customer`.
    Customer,
    /// `location`.
    Location,
    /// `device`.
    Device,
    /// `tariff` (a tariff element).
    Tariff,
    /// `connect_session`.
    ConnectSession,
    /// `schedule`.
    Schedule,
    /// A prefix this version does not know, as sent.
    Unknown(String),
}

impl ObjectKind {
    /// The prefix as it appears in event types, for example `connect_session`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Customer => "customer",
            Self::Location => "location",
            Self::Device => "device",
            Self::Tariff => "tariff",
            Self::ConnectSession => "connect_session",
            Self::Schedule => "schedule",
            Self::Unknown(text) => text,
        }
    }

    fn from_wire(prefix: &str) -> ObjectKind {
        match prefix {
            "customer" => Self::Customer,
            "location" => Self::Location,
            "device" => Self::Device,
            "tariff" => Self::Tariff,
            "connect_session" => Self::ConnectSession,
            "schedule" => Self::Schedule,
            other => Self::Unknown(other.to_string()),
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a delivery's authenticity was established.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authenticity {
    /// A valid `v1` signature by a key of the key set, within the time tolerance.
    Signed {
        /// The `kid` of the key that signed it.
        key_id: String,
        /// When it was signed, in Unix seconds (`Flatpeak-Timestamp`).
        timestamp: i64,
    },
    /// `Flatpeak-Signature: none`, accepted because the verifier was built with
    /// [`VerifierBuilder::allow_unsigned`](super::VerifierBuilder::allow_unsigned): nothing
    /// proves it came from Flatpeak.
    Unsigned,
}

/// A verified webhook event.
///
/// `Debug` leaves `data` out (it holds customer data); [`Event::data`] has it. `Serialize`
/// writes the envelope (`id`, `object`, `type`, `data`, `time_created`).
#[derive(Clone, serde::Serialize)]
pub struct Event {
    id: String,
    object: &'static str,
    #[serde(rename = "type")]
    event_type: EventType,
    data: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_created: Option<DateTime<Utc>>,
    #[serde(skip)]
    flatpeak_version: String,
    #[serde(skip)]
    authenticity: Authenticity,
}

impl Event {
    /// Reads the envelope of an authentic body.
    pub(crate) fn parse(
        body: &[u8],
        flatpeak_version: String,
        authenticity: Authenticity,
    ) -> Result<Event, NotAnEvent> {
        let json: Value = serde_json::from_slice(body).map_err(|e| NotAnEvent::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
        let Value::Object(mut fields) = json else {
            return Err(NotAnEvent::NotAnObject);
        };
        if string_field(&mut fields, "object")? != "event" {
            return Err(NotAnEvent::NotAnEventObject);
        }
        Ok(Event {
            id: string_field(&mut fields, "id")?,
            object: "event",
            event_type: EventType::from_wire(&string_field(&mut fields, "type")?),
            data: fields
                .remove("data")
                .ok_or(NotAnEvent::MissingField("data"))?,
            time_created: time_created(&mut fields)?,
            flatpeak_version,
            authenticity,
        })
    }

    /// The event's id (`evt_...`): the same on every retry of a delivery, so the key to
    /// deduplicate on.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event's type.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// The kind of object the event is about, from its type.
    pub fn object_kind(&self) -> ObjectKind {
        self.event_type.object_kind()
    }

    /// When the event was created (`time_created`), when the envelope has it: some of
    /// Flatpeak's examples leave it out, so its absence is not an error.
    pub fn time_created(&self) -> Option<DateTime<Utc>> {
        self.time_created
    }

    /// The API release that generated the event (`Flatpeak-Version`, for example
    /// `2025-09-14.anode`): the release whose types [`Event::data_as`] should be given.
    ///
    /// This header is not covered by the signature (only the timestamp and the body are): a
    /// delivery replayed within the tolerance can carry another version than Flatpeak sent
    /// (see [`Event::release_data`]).
    pub fn flatpeak_version(&self) -> &str {
        &self.flatpeak_version
    }

    /// How the delivery was authenticated.
    pub fn authenticity(&self) -> &Authenticity {
        &self.authenticity
    }

    /// The event's `data` as JSON.
    pub fn data(&self) -> &Value {
        &self.data
    }

    /// The event's `data` as JSON, taken out of the event.
    pub fn into_data(self) -> Value {
        self.data
    }

    /// Decodes `data` into `T`. Give it a type of the release that generated the event (see
    /// [`Event::flatpeak_version`]): `data` has that release's shape, which may not be this
    /// crate's `types`.
    ///
    /// serde's message may quote a value of `data`; keep it out of logs that must not hold
    /// customer data.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }

    /// Decodes `data` with the generated types of the release the delivery's
    /// `Flatpeak-Version` names ([`ReleaseData`]): [`ReleaseData::Unknown`] with the JSON for
    /// a version this build has no event types for, [`DataError`] (naming the release and
    /// keeping the JSON) when `data` is not of that release's shape.
    ///
    /// `Flatpeak-Version` is not covered by the signature: only `Flatpeak-Timestamp` and the
    /// body are. Whoever captures a delivery can replay it within the tolerance with another
    /// version, and the same data is then decoded with another release's types (or comes back
    /// as [`ReleaseData::Unknown`], or as a [`DataError`]). The data itself is still the
    /// signed bytes: relabelling changes how it is read, not what it says. A receiver whose
    /// account uses one release can check [`Event::flatpeak_version`] against it.
    pub fn release_data(&self) -> Result<ReleaseData, DataError> {
        ReleaseData::decode(&self.flatpeak_version, self.data.clone())
    }

    /// [`Event::release_data`], taking `data` out of the event rather than copying it. The
    /// release is chosen by the unsigned `Flatpeak-Version` header, as there.
    pub fn into_release_data(self) -> Result<ReleaseData, DataError> {
        ReleaseData::decode(&self.flatpeak_version, self.data)
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("id", &self.id)
            .field("type", &self.event_type.as_str())
            .field("time_created", &self.time_created)
            .field("flatpeak_version", &self.flatpeak_version)
            .field("authenticity", &self.authenticity)
            .finish_non_exhaustive()
    }
}

/// Takes a required string field out of the envelope.
fn string_field(fields: &mut Map<String, Value>, name: &'static str) -> Result<String, NotAnEvent> {
    match fields.remove(name) {
        None => Err(NotAnEvent::MissingField(name)),
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(NotAnEvent::InvalidField(name)),
    }
}

/// `time_created`: an RFC 3339 time, or absent (`null` counts as absent).
fn time_created(fields: &mut Map<String, Value>) -> Result<Option<DateTime<Utc>>, NotAnEvent> {
    let invalid = NotAnEvent::InvalidField("time_created");
    match fields.remove("time_created") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(&text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| invalid),
        Some(_) => Err(invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: &Value) -> Result<Event, NotAnEvent> {
        Event::parse(
            body.to_string().as_bytes(),
            "2025-09-14.anode".into(),
            Authenticity::Unsigned,
        )
    }

    fn envelope() -> Value {
        json!({
            "id": "evt_66167787c1652b3fbeba5f01",
            "object": "event",
            "type": "tariff.expiring",
            "data": { "tariff_id": "trf_6597ef46529ab4467502af0b" },
            "time_created": "2024-02-01T11:25:39Z"
        })
    }

    #[test]
    fn every_known_type_round_trips_through_its_wire_string() {
        let known: Vec<EventType> = EventType::known().collect();
        assert_eq!(known.len(), 24);
        for event_type in known {
            let wire = event_type.to_string();
            assert_eq!(wire.parse::<EventType>(), Ok(event_type.clone()));
            assert_ne!(event_type.object_kind(), ObjectKind::Unknown(String::new()));
            let json = serde_json::to_value(&event_type).unwrap();
            assert_eq!(json, json!(wire));
            assert_eq!(
                serde_json::from_value::<EventType>(json).unwrap(),
                event_type
            );
        }
    }

    #[test]
    fn unknown_types_keep_their_text_and_still_have_a_kind() {
        let merged: EventType = "customer.merge".parse().unwrap();
        assert_eq!(merged, EventType::Unknown("customer.merge".into()));
        assert_eq!(merged.to_string(), "customer.merge");
        assert_eq!(merged.object_kind(), ObjectKind::Customer);
        let odd: EventType = "invoice.paid".parse().unwrap();
        assert_eq!(odd.object_kind(), ObjectKind::Unknown("invoice".into()));
        assert_eq!(odd.object_kind().to_string(), "invoice");
    }

    #[test]
    fn kinds_come_from_the_prefix() {
        let kind = |t: &str| t.parse::<EventType>().unwrap().object_kind();
        assert_eq!(kind("connect_session.complete"), ObjectKind::ConnectSession);
        assert_eq!(kind("schedule.created"), ObjectKind::Schedule);
        assert_eq!(kind("tariff.connection.upgrade"), ObjectKind::Tariff);
        assert_eq!(kind("device.delete.failed"), ObjectKind::Device);
        assert_eq!(kind("location.update"), ObjectKind::Location);
    }

    #[test]
    fn the_envelope_is_read() {
        let event = parse(&envelope()).unwrap();
        assert_eq!(event.id(), "evt_66167787c1652b3fbeba5f01");
        assert_eq!(event.event_type(), &EventType::TariffExpiring);
        assert_eq!(event.object_kind(), ObjectKind::Tariff);
        assert_eq!(
            event.time_created().map(|t| t.to_rfc3339()),
            Some("2024-02-01T11:25:39+00:00".into())
        );
        assert_eq!(event.flatpeak_version(), "2025-09-14.anode");
        assert_eq!(event.data()["tariff_id"], "trf_6597ef46529ab4467502af0b");
        assert_eq!(serde_json::to_value(&event).unwrap(), envelope());
    }

    #[test]
    fn data_decodes_into_a_caller_type() {
        #[derive(serde::Deserialize)]
        struct TariffData {
            tariff_id: String,
        }
        let event = parse(&envelope()).unwrap();
        let data: TariffData = event.data_as().unwrap();
        assert_eq!(data.tariff_id, "trf_6597ef46529ab4467502af0b");
        assert!(event.data_as::<Vec<u8>>().is_err());
    }

    #[test]
    fn debug_leaves_the_data_out() {
        let mut body = envelope();
        body["data"] = json!({ "email": "someone@example.com" });
        let debug = format!("{:?}", parse(&body).unwrap());
        assert!(debug.contains("evt_66167787c1652b3fbeba5f01"), "{debug}");
        assert!(!debug.contains("someone@example.com"), "{debug}");
    }

    #[test]
    fn time_created_may_be_absent_but_not_wrong() {
        let mut body = envelope();
        body.as_object_mut().unwrap().remove("time_created");
        assert_eq!(parse(&body).unwrap().time_created(), None);
        body["time_created"] = Value::Null;
        assert_eq!(parse(&body).unwrap().time_created(), None);
        body["time_created"] = json!("yesterday");
        assert_eq!(
            parse(&body).err(),
            Some(NotAnEvent::InvalidField("time_created"))
        );
    }

    #[test]
    fn bodies_that_are_not_an_envelope_say_why() {
        let without = |field: &str| {
            let mut body = envelope();
            body.as_object_mut().unwrap().remove(field);
            parse(&body).err()
        };
        assert_eq!(without("id"), Some(NotAnEvent::MissingField("id")));
        assert_eq!(without("type"), Some(NotAnEvent::MissingField("type")));
        assert_eq!(without("data"), Some(NotAnEvent::MissingField("data")));
        assert_eq!(without("object"), Some(NotAnEvent::MissingField("object")));
        let mut body = envelope();
        body["object"] = json!("location");
        assert_eq!(parse(&body).err(), Some(NotAnEvent::NotAnEventObject));
        body["object"] = json!("event");
        body["id"] = json!(42);
        assert_eq!(parse(&body).err(), Some(NotAnEvent::InvalidField("id")));
        assert_eq!(parse(&json!([1])).err(), Some(NotAnEvent::NotAnObject));
        let not_json = Event::parse(b"{\n  \"id\": x", String::new(), Authenticity::Unsigned);
        assert_eq!(
            not_json.err(),
            Some(NotAnEvent::NotJson { line: 2, column: 9 })
        );
    }
}
