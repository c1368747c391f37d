//! Flatpeak's error envelope, the body of its error responses in every release, read the way
//! Flatpeak's own documents show it.
//!
//! Why hand-written rather than generated per release: the envelope is the same in every
//! release (Flatpeak's errors guide), and one type lets [`crate::Error`] and
//! [`crate::SendError`] serve every release's client. The generator maps each release's
//! `Error` schema to this type, and a test holds it to the specs. It is lenient where
//! Flatpeak's documents are: only `message` is required (the published documents show bare
//! `{"message": "Not Found"}` bodies), an unknown `type` is kept as
//! [`ErrorType::Unknown`], and a `time_created` without a UTC offset (the errors guide's
//! `2022-01-24T14:15:22.003`) is read as UTC.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// The body of an error response: `{"object": "error", "type", "code", "message", ...}`.
/// See [`ApiError`](crate::ApiError), which holds it. Its `Debug` prints `"***"` for the
/// `connect_token`, which every release's spec marks `x-sensitive`, as the generated types do
/// for theirs: an error is what gets logged most.
#[derive(Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ErrorEnvelope {
    /// `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Whether the request was made in live mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_mode: Option<bool>,
    /// The API method that failed, for example `api.location_create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The kind of error.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<ErrorType>,
    /// A short code for the error, for example `account_disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What went wrong, in words.
    pub message: String,
    /// The Connect token the error is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_token: Option<String>,
    /// When the error happened, in UTC (an offset-less time is read as UTC).
    #[serde(
        default,
        deserialize_with = "lenient_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_created: Option<DateTime<Utc>>,
}

impl fmt::Debug for ErrorEnvelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorEnvelope")
            .field("object", &self.object)
            .field("live_mode", &self.live_mode)
            .field("context", &self.context)
            .field("type_", &self.type_)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("connect_token", &self.connect_token.as_ref().map(|_| "***"))
            .field("time_created", &self.time_created)
            .finish()
    }
}

/// The `type` of an error envelope: `invalid_request` (4xx), `rate_limit` (429), `api_error`
/// (5xx), or one this version does not know, kept as it came.
#[derive(Debug, Clone, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[non_exhaustive]
pub enum ErrorType {
    /// `invalid_request`: the request cannot be served as it is.
    InvalidRequest,
    /// `rate_limit`: too many requests.
    RateLimit,
    /// `api_error`: the API failed.
    ApiError,
    /// Any other value, as sent.
    Unknown(String),
}

impl ErrorType {
    /// The value as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::RateLimit => "rate_limit",
            Self::ApiError => "api_error",
            Self::Unknown(other) => other,
        }
    }

    /// The variant for `text`: a known value, else [`ErrorType::Unknown`].
    pub fn parse(text: &str) -> Self {
        match text {
            "invalid_request" => Self::InvalidRequest,
            "rate_limit" => Self::RateLimit,
            "api_error" => Self::ApiError,
            other => Self::Unknown(other.to_string()),
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

/// An RFC 3339 time, or one without an offset read as UTC; `null` is `None`.
fn lenient_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<std::borrow::Cow<str>>::deserialize(deserializer)? else {
        return Ok(None);
    };
    // RFC 3339 allows a lower-case `t` and `z`; the parsers below want them upper-case.
    let upper = text.to_ascii_uppercase();
    if let Ok(time) = DateTime::parse_from_rfc3339(&upper) {
        return Ok(Some(time.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(&upper, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|naive| Some(naive.and_utc()))
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "`time_created` is not a date-time (RFC 3339, the offset optional): `{}`",
                text.chars().take(40).collect::<String>()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_connect_token_and_shows_the_rest() {
        let body = r#"{"message":"Connect session expired","code":"expired",
            "connect_token":"cot_65e0839faca22517d5d51cd5"}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(body).unwrap();
        let shown = format!("{envelope:?}");
        assert!(!shown.contains("cot_65e0839f"), "{shown}");
        assert!(shown.contains(r#"connect_token: Some("***")"#), "{shown}");
        assert!(
            shown.contains(r#"message: "Connect session expired""#),
            "{shown}"
        );
        assert_eq!(
            envelope.connect_token.as_deref(),
            Some("cot_65e0839faca22517d5d51cd5")
        );
    }

    #[test]
    fn the_errors_guide_example_reads_with_its_offset_less_time_as_utc() {
        let body = r#"{"object":"error","live_mode":true,"context":"api.location_create",
            "type":"invalid_request","code":"account_disabled","message":"Disabled",
            "time_created":"2022-01-24T14:15:22.003"}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(body).unwrap();
        assert_eq!(envelope.type_, Some(ErrorType::InvalidRequest));
        assert_eq!(
            envelope.time_created.unwrap().to_rfc3339(),
            "2022-01-24T14:15:22.003+00:00"
        );
        let lower = r#"{"message":"m","time_created":"2022-01-24t14:15:22z"}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(lower).unwrap();
        assert!(envelope.time_created.is_some());
        let zoned = r#"{"message":"m","time_created":"2022-01-24T15:15:22+01:00"}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(zoned).unwrap();
        assert_eq!(
            envelope.time_created.unwrap().to_rfc3339(),
            "2022-01-24T14:15:22+00:00"
        );
    }

    #[test]
    fn a_bare_message_is_an_envelope_and_an_unknown_type_is_kept() {
        let envelope: ErrorEnvelope = serde_json::from_str(r#"{"message":"Not Found"}"#).unwrap();
        assert_eq!(envelope.message, "Not Found");
        let odd: ErrorEnvelope =
            serde_json::from_str(r#"{"message":"m","type":"connect_error"}"#).unwrap();
        assert_eq!(odd.type_, Some(ErrorType::Unknown("connect_error".into())));
        assert_eq!(
            serde_json::to_value(&odd).unwrap(),
            serde_json::json!({"message": "m", "type": "connect_error"})
        );
    }

    #[test]
    fn no_message_or_a_time_that_is_no_time_is_not_an_envelope() {
        assert!(serde_json::from_str::<ErrorEnvelope>(r#"{"code":"x"}"#).is_err());
        let bad = r#"{"message":"m","time_created":"yesterday"}"#;
        let err = serde_json::from_str::<ErrorEnvelope>(bad).unwrap_err();
        assert!(err.to_string().contains("yesterday"), "{err}");
    }
}
