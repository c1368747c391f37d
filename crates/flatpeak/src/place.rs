//! Where in an operation's traffic a value is, as the tables generated from each release's
//! spec say it: the bounds the wire check enforces (`wire.rs`) and the sensitive values the
//! recorder replaces (`record`) are both placed this one way. A place in a body is a list of
//! [`Step`]s, followed by [`values_at`]: both are `flatpeak-redact`'s, which the gate and
//! `scrub` use too.

pub use flatpeak_redact::{Step, values_at};

/// Where a value is in one exchange of an operation.
#[doc(hidden)]
#[derive(Debug, PartialEq)]
pub enum Place {
    /// The path parameter of this name.
    Path(&'static str),
    /// Every query parameter of this name.
    Query(&'static str),
    /// The values these steps lead to in the JSON request body.
    Request(&'static [Step]),
    /// The values these steps lead to in the JSON body of the response documented under this
    /// status key (`200`, `default`).
    Response(&'static str, &'static [Step]),
}
