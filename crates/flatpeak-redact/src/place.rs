//! Where a value is in a JSON body: the [`Step`]s to it, and the one function that follows them,
//! [`values_at`]. The client's generated tables, the gate and scrub all place body values this
//! way.

use serde_json::Value;

/// One step into a JSON body: with `&'static str` names in the generated tables, with owned
/// names where the steps are read from a spec at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step<S = &'static str> {
    /// The field of this name, when present.
    Field(S),
    /// Each item of an array.
    Each,
}

/// The values `steps` lead to in `json`, each with its JSON pointer (RFC 6901). A `null` is
/// left out: an absent optional value keeps every bound, and there is nothing to replace.
pub fn values_at<'v, S: AsRef<str>>(
    json: &'v Value,
    steps: &[Step<S>],
) -> Vec<(String, &'v Value)> {
    let mut found = Vec::new();
    walk(json, steps, &mut String::new(), &mut found);
    found
}

fn walk<'v, S: AsRef<str>>(
    value: &'v Value,
    steps: &[Step<S>],
    at: &mut String,
    out: &mut Vec<(String, &'v Value)>,
) {
    let Some((step, rest)) = steps.split_first() else {
        if !value.is_null() {
            out.push((at.clone(), value));
        }
        return;
    };
    let len = at.len();
    match (step, value) {
        (Step::Field(name), Value::Object(fields)) => {
            let name = name.as_ref();
            if let Some(field) = fields.get(name) {
                at.push('/');
                at.push_str(&name.replace('~', "~0").replace('/', "~1"));
                walk(field, rest, at, out);
            }
        }
        (Step::Each, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                at.push('/');
                at.push_str(&i.to_string());
                walk(item, rest, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
    at.truncate(len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_reached_through_fields_and_arrays_and_null_is_absent() {
        let body = serde_json::json!({"data": [{"device_id": "dev_1"}, {"device_id": 2},
                                               {"device_id": null}, {}],
                                      "a/b": {"c~d": "x"}});
        let steps = [Step::Field("data"), Step::Each, Step::Field("device_id")];
        let found: Vec<(String, Value)> = values_at(&body, &steps)
            .into_iter()
            .map(|(p, v)| (p, v.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("/data/0/device_id".into(), "dev_1".into()),
                ("/data/1/device_id".into(), 2.into()),
            ]
        );
        // Pointers are RFC 6901's, so `pointer_mut` finds what they name.
        let found = values_at(&body, &[Step::Field("a/b"), Step::Field("c~d")]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "/a~1b/c~0d");
        assert_eq!(body.pointer(&found[0].0), Some(&Value::from("x")));
        // Steps read from a spec at run time (owned names) reach the same values.
        let owned = [
            Step::Field("a/b".to_string()),
            Step::Field("c~d".to_string()),
        ];
        assert_eq!(values_at(&body, &owned), found);
        assert_eq!(
            values_at::<&str>(&Value::from(1), &[]),
            [(String::new(), &Value::from(1))]
        );
    }
}
