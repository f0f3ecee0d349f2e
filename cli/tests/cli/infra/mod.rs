//! infra/template.yaml, the AWS deployment: cfn-lint, the policy rules, and the stack
//! deployed to moto's CloudFormation and used by a real server.

mod rules;
mod stack;

use serde_json::{Map, Value, json};

pub fn template_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml")
}

/// The template as JSON, its short forms (`!Ref X`, `!GetAtt A.B`, `!Sub …`) written out
/// as CloudFormation's long forms.
pub fn template() -> Value {
    let text = std::fs::read_to_string(template_path()).unwrap();
    long_form(serde_norway::from_str(&text).unwrap())
}

fn long_form(yaml: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(n).unwrap(),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(long_form).collect()),
        Y::Mapping(map) => {
            let entries = map.into_iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), long_form(v)));
            Value::Object(entries.collect::<Map<_, _>>())
        }
        Y::Tagged(tagged) => {
            let name = tagged.tag.to_string();
            let name = name.trim_start_matches('!');
            let value = long_form(tagged.value);
            match (name, value) {
                ("Ref", value) => json!({"Ref": value}),
                ("GetAtt", Value::String(path)) => {
                    let (resource, attribute) = path.split_once('.').unwrap();
                    json!({"Fn::GetAtt": [resource, attribute]})
                }
                (name, value) => json!({ format!("Fn::{name}"): value }),
            }
        }
    }
}

/// Every resource of `kind`, with its logical id.
pub fn resources<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    let all = template["Resources"].as_object().unwrap();
    all.iter().filter(|(_, r)| r["Type"] == kind).map(|(id, r)| (id.as_str(), r)).collect()
}

/// The logical ids `value` refers to with `Ref`, anywhere inside it.
pub fn refs(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("Ref") => {
            map["Ref"].as_str().map(|s| vec![s.to_owned()]).unwrap_or_default()
        }
        Value::Object(map) => map.values().flat_map(refs).collect(),
        Value::Array(items) => items.iter().flat_map(refs).collect(),
        _ => vec![],
    }
}
