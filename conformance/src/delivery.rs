//! Recorded webhook deliveries: Flatpeak's POSTs to a receiver, found in a cassette beside the
//! API traffic (a receiver's own recordings, or a proxy's).
//!
//! A delivery is a POST that carries Flatpeak's signature headers (`Flatpeak-Signature` and
//! `Flatpeak-Timestamp`) to a URL that is no operation of any release (the receiver's URL). Its
//! request body is an event of the release its `Flatpeak-Version` names: the envelope (`id`
//! `evt_...`, `object` `event`, `type` a string, `time_created` a date-time, `data`) is checked
//! for every release, and `data` against the schema the release's spec gives the event's
//! object (the discriminator of the `data` of the event that `GET /events/{id}` returns), with
//! `request` findings at JSON pointers into the request body and `undeclared-field` warnings.
//! The receiver's response is not Flatpeak's and is not checked, but the secret check reads
//! the whole interaction, with the spec's `x-sensitive` marks of the event for the body.
//!
//! Signatures are not verified (the gate has no keys). A delivery whose body `scrub` changes
//! no longer verifies: `scrub` says so ([`crate::Scrubbed::notes`]) and keeps the signature
//! headers, which are not secrets by themselves.

use std::collections::BTreeMap;

use serde_json::Value;
use spec_model::schema::resolve;

use crate::RunError;
use crate::checks;
use crate::model::{Finding, Interaction, Kind, RecordedRequest, Severity, Site};
use crate::releases::{Checked, Releases};
use crate::secrets::View;
use crate::spec::{Spec, local_pointer};

/// The headers that make a POST a signed delivery.
const SIGNED_BY: [&str; 2] = ["flatpeak-signature", "flatpeak-timestamp"];

/// The header naming the release that generated the event.
const VERSION: &str = "flatpeak-version";

/// What a release's spec says of its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Events {
    /// The operation that returns one event (`GET /events/{id}`): its response's `x-sensitive`
    /// marks are the event's.
    pub(crate) operation: String,
    /// The status key of its event response (`200`).
    pub(crate) status: String,
    /// The schema of `data` by the object's `object` (`location` ->
    /// `/components/schemas/Location`), from the discriminator's mapping.
    pub(crate) data: BTreeMap<String, String>,
}

impl Events {
    /// The events `spec` describes, if it has an operation that returns one.
    pub(crate) fn of(spec: &Spec) -> Option<Events> {
        let doc = &spec.document;
        let op = spec
            .operations
            .iter()
            .find(|op| op.method.eq_ignore_ascii_case("get") && is_event_path(&op.template))?;
        let (status, media) = op.responses.iter().find_map(|(status, response)| {
            let media = response.media.iter().find(|m| m.is_json())?;
            status.starts_with('2').then_some((status, media))
        })?;
        let event = resolve(doc, doc.pointer(media.schema.as_deref()?)?).0;
        let data = resolve(doc, event.pointer("/properties/data")?).0;
        let mapping = data
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object);
        let data = mapping
            .into_iter()
            .flatten()
            .filter_map(|(object, target)| {
                let pointer = local_pointer(target.as_str()?)?;
                doc.pointer(&pointer)
                    .is_some()
                    .then(|| (object.clone(), pointer))
            })
            .collect();
        Some(Events {
            operation: op.id.clone(),
            status: status.clone(),
            data,
        })
    }
}

/// `/events/{id}`, whatever the parameter is called.
fn is_event_path(template: &str) -> bool {
    template
        .strip_prefix("/events/{")
        .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
}

/// Whether a request is a POST carrying Flatpeak's signature headers.
pub(crate) fn is_signed_post(method: &str, headers: &[(String, String)]) -> bool {
    method.eq_ignore_ascii_case("post")
        && SIGNED_BY
            .iter()
            .all(|name| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
}

impl Releases {
    /// Whether an interaction is a recorded webhook delivery: a signed POST to a URL that is no
    /// operation of any release.
    pub(crate) fn is_delivery(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
    ) -> bool {
        is_signed_post(method, headers)
            && self
                .all
                .iter()
                .all(|r| crate::route::route(&r.spec, method, url).is_err())
    }

    /// The release a delivery's event comes from: its `Flatpeak-Version` (matched whole, else
    /// by the release name it ends with), else the release its directory names, else the
    /// default; `None` for a version the workspace has no spec for. The finding: a version
    /// warning when the version is unknown or another revision of a release.
    pub(crate) fn of_delivery(
        &self,
        site: Site<'_>,
        request: &RecordedRequest,
        marker: Option<&str>,
    ) -> (Option<usize>, Option<Finding>) {
        let Some(version) = request
            .header(VERSION)
            .map(str::trim)
            .filter(|v| !v.is_empty())
        else {
            let named = marker.and_then(|name| self.all.iter().position(|r| r.name == name));
            return (Some(named.unwrap_or(self.default)), None);
        };
        if let Some(i) = self.exactly(version) {
            return (Some(i), None);
        }
        let warning = |expected: String, message: String| {
            Finding::at(site, Kind::Version, "header:Flatpeak-Version")
                .severity(Severity::Warning)
                .expected(expected, version)
                .message(message)
        };
        match self.by_name(version) {
            Some(i) => {
                let release = &self.all[i];
                let own = release.spec.flatpeak_version().unwrap_or("no version");
                let note = warning(
                    own.to_string(),
                    format!(
                        "the webhook delivery names `{version}`, and the `{}` spec describes \
                         `{own}`: its event is checked against it, though the shapes of \
                         another revision may differ",
                        release.name
                    ),
                );
                (Some(i), Some(note))
            }
            None => {
                let known = self.described().join(", ");
                let note = warning(
                    known.clone(),
                    format!(
                        "the webhook delivery names release `{version}`, which this workspace \
                         has no spec for: its event's envelope is checked, its data is not \
                         (known: {known})"
                    ),
                );
                (None, Some(note))
            }
        }
    }
}

/// What examining one delivery found.
pub(crate) struct Examined {
    /// What the reports name its operation: `webhook location.update`.
    pub(crate) operation: String,
    pub(crate) findings: Vec<Finding>,
    /// Checks run.
    pub(crate) checks: usize,
}

/// Every check of a recorded delivery: its release, the secret check, the envelope, the data.
///
/// `Err` only when the schemas of the event's release do not compile.
pub(crate) fn examine(
    releases: &Releases,
    it: &Interaction,
    marker: Option<&str>,
) -> Result<Examined, RunError> {
    // The body is read once, for the secret check and the event's.
    let view = View::of(it);
    let (json, duplicate) = match view.request_body.json() {
        Ok(json) => (Some(json), None),
        Err(e) => (
            None,
            crate::cassette::unique::duplicate_key_at(&it.request.body, e).map(|at| (at, e)),
        ),
    };
    let event_type = json.and_then(|j| j.get("type")).and_then(Value::as_str);
    let operation = match event_type {
        Some(t) => format!("webhook {}", t.chars().take(64).collect::<String>()),
        None => "webhook".to_string(),
    };
    let site = Site {
        interaction: it,
        operation: Some(&operation),
    };
    let (release, note) = releases.of_delivery(site, &it.request, marker);
    let mut findings: Vec<Finding> = note.into_iter().collect();
    let checked = release.map(|i| &releases.all[i]);
    let for_secrets = checked.unwrap_or(&releases.all[releases.default]);
    let leaks = for_secrets
        .sensitivity()
        .delivery_leaks(for_secrets.events.as_ref(), &view);
    findings.extend(crate::secrets::findings(site, &leaks));
    let mut checks = 3;
    match (json, duplicate) {
        (None, Some((object, error))) => findings.push(
            Finding::at(site, Kind::Request, object)
                .expected("each key once in an object", error.to_string())
                .message(format!(
                    "webhook delivery: a key twice in one object: {error}"
                )),
        ),
        (None, None) => findings.push(
            Finding::at(site, Kind::Request, "")
                .expected("an event as JSON", not_json(&it.request.body))
                .message("webhook delivery: the body is not JSON"),
        ),
        (Some(Value::Object(envelope)), _) => {
            findings.extend(check_envelope(site, envelope));
            if let (Some(release), Some(data)) = (checked, envelope.get("data")) {
                findings.extend(check_data(site, release, data)?);
                checks += 1;
            }
        }
        (Some(_), _) => findings.push(
            Finding::at(site, Kind::Request, "")
                .expected("an event (a JSON object)", "another JSON value")
                .message("webhook delivery: the body is not a JSON object"),
        ),
    }
    crate::secrets::mask(&leaks, &mut findings, []);
    Ok(Examined {
        operation,
        findings,
        checks,
    })
}

fn not_json(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        _ if body.is_empty() => "an empty body".to_string(),
        Err(e) => e.to_string(),
        Ok(_) => "JSON".to_string(),
    }
}

/// The envelope: `id` (`evt_...`), `object` (`event`), `type` (a string), `time_created` (a
/// date-time; its absence a warning, as some of Flatpeak's examples lack it), `data`.
fn check_envelope(site: Site<'_>, envelope: &serde_json::Map<String, Value>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut wrong = |field: &str, expected: &str, found: String, why: String| {
        findings.push(
            Finding::at(site, Kind::Request, format!("/{field}"))
                .expected(expected, found)
                .message(format!("webhook delivery: {why}")),
        );
    };
    let excerpt = |v: &Value| crate::model::bounded(v.to_string().chars().take(80).collect());
    match envelope.get("id") {
        None => wrong(
            "id",
            "required field `id`",
            "absent".into(),
            "the event has no `id`".into(),
        ),
        Some(Value::String(id)) if is_event_id(id) => {}
        Some(other) => wrong(
            "id",
            "an event id `evt_...`",
            excerpt(other),
            format!(
                "{} is not an event id (`evt_` and letters or digits)",
                excerpt(other)
            ),
        ),
    }
    match envelope.get("object") {
        Some(Value::String(o)) if o == "event" => {}
        None => wrong(
            "object",
            "required field `object`",
            "absent".into(),
            "the event has no `object`".into(),
        ),
        Some(other) => wrong(
            "object",
            "\"event\"",
            excerpt(other),
            format!("`object` is {}, not \"event\"", excerpt(other)),
        ),
    }
    match envelope.get("type") {
        Some(Value::String(_)) => {}
        None => wrong(
            "type",
            "required field `type`",
            "absent".into(),
            "the event has no `type`".into(),
        ),
        Some(other) => wrong(
            "type",
            "a string (`location.update`)",
            excerpt(other),
            format!("`type` is {}, not a string", excerpt(other)),
        ),
    }
    match envelope.get("time_created") {
        Some(Value::String(t)) if chrono::DateTime::parse_from_rfc3339(t).is_ok() => {}
        None => findings.push(
            Finding::at(site, Kind::Request, "/time_created")
                .severity(Severity::Warning)
                .expected("required field `time_created`", "absent")
                .message(
                    "webhook delivery: the event has no `time_created`, which the spec's event \
                     requires (some of Flatpeak's own examples lack it, and `flatpeak::webhook` \
                     accepts that)",
                ),
        ),
        Some(other) => findings.push(
            Finding::at(site, Kind::Request, "/time_created")
                .expected("a `date-time` string", excerpt(other))
                .message(format!(
                    "webhook delivery: `time_created` {} is not a date-time",
                    excerpt(other)
                )),
        ),
    }
    if !envelope.contains_key("data") {
        findings.push(
            Finding::at(site, Kind::Request, "/data")
                .expected("required field `data`", "absent")
                .message("webhook delivery: the event has no `data`"),
        );
    }
    findings
}

/// `evt_` and at least one letter or digit.
fn is_event_id(id: &str) -> bool {
    id.strip_prefix("evt_")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `data` against the schema its release gives the event's object; a `delivery` warning
/// when there is none to check it against. `Err` when the release's schemas do not compile.
fn check_data(site: Site<'_>, release: &Checked, data: &Value) -> Result<Vec<Finding>, RunError> {
    let unchecked = |pointer: &str, expected: String, found: String, why: String| {
        Ok(vec![
            Finding::at(site, Kind::Delivery, pointer)
                .expected(expected, found)
                .message(format!("webhook delivery: {why}: its data is not checked")),
        ])
    };
    let Some(events) = &release.events else {
        return unchecked(
            "/data",
            "a release whose spec describes events (`GET /events/{id}`)".into(),
            release.name.clone(),
            format!("the `{}` spec describes no events", release.name),
        );
    };
    let object = data.get("object").and_then(Value::as_str);
    let Some(schema) = object.and_then(|o| events.data.get(o)) else {
        let known: Vec<&str> = events.data.keys().map(String::as_str).collect();
        let found = match object {
            Some(o) => format!("{o:?}"),
            None => "no `object`".to_string(),
        };
        return unchecked(
            "/data/object",
            format!("one of {}", known.join(", ")),
            found.clone(),
            format!(
                "the `{}` spec has no schema for an event's data with {found}",
                release.name
            ),
        );
    };
    Ok(checks::event_data(site, release.schemas()?, schema, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_and_paths() {
        assert!(is_event_id("evt_65e42b7827c0526548432b9f"));
        assert!(!is_event_id("evt_"));
        assert!(!is_event_id("loc_65e42b7827c0526548432b9f"));
        assert!(!is_event_id("evt_../x"));
        assert!(is_event_path("/events/{id}"));
        assert!(is_event_path("/events/{event_id}"));
        assert!(!is_event_path("/events"));
        assert!(!is_event_path("/events/{id}/replay"));
    }

    #[test]
    fn a_signed_post_has_both_headers() {
        let h = |names: &[&str]| -> Vec<(String, String)> {
            names
                .iter()
                .map(|n| (n.to_string(), "x".to_string()))
                .collect()
        };
        assert!(is_signed_post(
            "POST",
            &h(&["Flatpeak-Signature", "flatpeak-timestamp"])
        ));
        assert!(!is_signed_post("POST", &h(&["Flatpeak-Signature"])));
        assert!(!is_signed_post(
            "GET",
            &h(&["Flatpeak-Signature", "Flatpeak-Timestamp"])
        ));
    }

    #[test]
    fn the_zero_and_anode_specs_describe_their_events() {
        for name in ["zero", "anode"] {
            let path = format!("{}/../openapi/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
            let spec = crate::spec::load(std::path::Path::new(&path)).unwrap();
            let events = Events::of(&spec).unwrap();
            assert_eq!(events.status, "200");
            assert_eq!(
                events.data.get("location").map(String::as_str),
                Some("/components/schemas/Location"),
                "{name}"
            );
            assert!(events.data.contains_key("device") && events.data.contains_key("customer"));
        }
        let path = format!("{}/../openapi/busbar.yaml", env!("CARGO_MANIFEST_DIR"));
        let spec = crate::spec::load(std::path::Path::new(&path)).unwrap();
        assert_eq!(Events::of(&spec), None);
    }
}
