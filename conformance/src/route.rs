//! Method + recorded URL -> the spec's operation, with the path parameters it binds.

use crate::secrets::shown_path;
use crate::spec::{Operation, Spec};

/// An interaction's operation and the parameters recorded for it.
#[derive(Debug)]
pub struct Route<'s> {
    /// The operation.
    pub operation: &'s Operation,
    /// The recorded path, below the server's base path (still percent-encoded).
    pub path: String,
    /// Path parameters bound by the template, percent-decoded.
    pub path_params: Vec<(String, String)>,
    /// Query parameters of the recorded URL, decoded, in order.
    pub query: Vec<(String, String)>,
}

/// Why an interaction has no operation of the spec; the text of a `route` finding.
#[derive(Debug, thiserror::Error)]
pub enum Unrouted {
    /// The recorded URL is not a URL.
    #[error("URL `{url}` cannot be read: {source}")]
    BadUrl {
        /// The recorded URL without its query and fragment (which may hold what the secret
        /// check reports), a segment shaped like a credential or an e-mail address shown by
        /// its fingerprint.
        url: String,
        /// Why.
        source: url::ParseError,
    },
    /// The path is outside the server's base path.
    #[error("path `{path}` is not below the server's base path `{base}`")]
    OutsideBase {
        /// The recorded path, shown as [`shown_path`] shows it.
        path: String,
        /// The spec's base path.
        base: String,
    },
    /// No operation has this method and path.
    #[error("no operation of the spec matches {method} {path}")]
    NoOperation {
        /// The recorded method.
        method: String,
        /// The recorded path below the base path, shown as [`shown_path`] shows it.
        path: String,
    },
}

/// Finds the operation for `method` and `url`. A concrete path segment beats a template
/// parameter (`/devices/current` before `/devices/{id}`), as OpenAPI asks. The error says why
/// nothing matched.
pub fn route<'s>(spec: &'s Spec, method: &str, url: &str) -> Result<Route<'s>, Unrouted> {
    let parsed = parse_url(url)?;
    let full = parsed.path();
    let path = full
        .strip_prefix(spec.base_path.as_str())
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        .ok_or_else(|| Unrouted::OutsideBase {
            path: shown_path(full),
            base: spec.base_path.clone(),
        })?;
    let segments: Vec<&str> = path.split('/').collect();
    let best = spec
        .operations
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method))
        .filter_map(|op| bind(&op.template, &segments).map(|b| (op, b)))
        .max_by_key(|(_, (literals, _))| *literals);
    let Some((operation, (_, path_params))) = best else {
        return Err(Unrouted::NoOperation {
            method: method.to_string(),
            path: shown_path(path),
        });
    };
    Ok(Route {
        operation,
        path: path.to_string(),
        path_params,
        query: parsed.query_pairs().into_owned().collect(),
    })
}

/// Recorded URLs are absolute; a bare path (some tools write one) is read against a
/// placeholder origin.
fn parse_url(url: &str) -> Result<url::Url, Unrouted> {
    let parsed = match url::Url::parse(url) {
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse("http://recorded.invalid").and_then(|base| base.join(url))
        }
        other => other,
    };
    parsed.map_err(|source| Unrouted::BadUrl {
        url: shown_path(url.split(['?', '#']).next().unwrap_or_default()),
        source,
    })
}

/// Matches `segments` against `template`: the number of literal segments matched (to rank
/// candidates) and the bound parameters, or `None`.
fn bind(template: &str, segments: &[&str]) -> Option<(usize, Vec<(String, String)>)> {
    let parts: Vec<&str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literals = 0;
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !segment.is_empty() => {
                let value = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                params.push((name.to_string(), value.into_owned()));
            }
            Some(_) => return None,
            None if part == segment => literals += 1,
            None => return None,
        }
    }
    Some((literals, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        let ok = json!({"responses": {"200": {"description": "ok"}}});
        let mut current = ok.clone();
        current["operationId"] = json!("current");
        let mut by_id = ok.clone();
        by_id["operationId"] = json!("by_id");
        Spec::from_document(
            json!({"openapi": "3.0.3", "paths": {
                "/devices/{id}": {"get": by_id},
                "/devices/current": {"get": current},
            }}),
            "t.yaml",
        )
        .unwrap()
    }

    #[test]
    fn template_binds_decoded_parameters_and_query() {
        let s = spec();
        let r = route(
            &s,
            "GET",
            "https://api.flatpeak.com/devices/dev%5F1?x=a%20b&y=2",
        )
        .unwrap();
        assert_eq!(r.operation.id, "by_id");
        assert_eq!(r.path_params, [("id".to_string(), "dev_1".to_string())]);
        assert_eq!(
            r.query,
            [("x".into(), "a b".into()), ("y".into(), "2".into())]
        );
    }

    #[test]
    fn literal_segment_beats_a_parameter() {
        let s = spec();
        assert_eq!(
            route(&s, "get", "http://h/devices/current")
                .unwrap()
                .operation
                .id,
            "current"
        );
    }

    #[test]
    fn wrong_method_extra_segment_or_empty_parameter_match_nothing() {
        let s = spec();
        for (method, url) in [
            ("POST", "http://h/devices/dev_1"),
            ("GET", "http://h/devices/dev_1/extra"),
            ("GET", "http://h/devices/"),
        ] {
            let err = route(&s, method, url).unwrap_err();
            assert!(
                matches!(err, Unrouted::NoOperation { .. }),
                "{method} {url}: {err}"
            );
        }
    }

    #[test]
    fn an_unknown_path_is_told_with_its_e_mail_and_token_segments_fingerprinted() {
        let s = spec();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJl";
        let url = format!("https://h/users/jo%40sparks.example/{jwt}/devices#access_token=x");
        let err = route(&s, "GET", &url).unwrap_err().to_string();
        assert!(
            !err.contains("sparks") && !err.contains("c2lnbmF0dXJl"),
            "{err}"
        );
        assert_eq!(
            err,
            "no operation of the spec matches GET /users/\"jo@s\"… (17 chars)/\"eyJh\"… (54 chars)/devices"
        );
        let outside = Spec::from_document(
            json!({"openapi": "3.0.3", "servers": [{"url": "https://h/v1"}], "paths": {}}),
            "t.yaml",
        )
        .unwrap();
        let err = route(&outside, "GET", "https://h/jo@sparks.example/x").unwrap_err();
        assert!(!err.to_string().contains("sparks"), "{err}");
    }

    #[test]
    fn relative_recorded_url_is_accepted() {
        let s = spec();
        assert_eq!(
            route(&s, "GET", "/devices/dev_2").unwrap().path_params[0].1,
            "dev_2"
        );
    }
}
