//! The OpenAPI document as generated clients read it. poem-openapi writes a few shapes
//! that code generators refuse or misread; they are rewritten here, once, into the plain
//! OpenAPI 3.0 they mean, before the document is served or checked in.

use poem_openapi::{registry::Registry, types::Type};
use serde_json::{Map, Value};

/// Rewrites the generated document (JSON text) and returns it pretty-printed.
pub fn for_clients(generated: &str) -> String {
    let mut document: Value =
        serde_json::from_str(generated).expect("poem-openapi writes valid JSON");
    if let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") {
        for (name, schema) in kept_schemas() {
            schemas.entry(name).or_insert(schema);
        }
    }
    rewrite(&mut document);
    serde_json::to_string_pretty(&document).expect("a JSON value serialises")
}

/// Schemas no operation names that clients still need: what a client sends on the live
/// socket (poem-openapi drops the schemas no operation refers to).
fn kept_schemas() -> Map<String, Value> {
    let mut registry = Registry::new();
    crate::live::LiveClientMessage::register(&mut registry);
    match serde_json::to_value(&registry.schemas) {
        Ok(Value::Object(schemas)) => schemas,
        _ => Map::new(),
    }
}

fn rewrite(value: &mut Value) {
    match value {
        Value::Object(object) => {
            described_reference(object);
            event_stream(object);
            if object.get("format").and_then(Value::as_str) == Some("naive-date") {
                object.insert("format".into(), "date".into());
            }
            object.values_mut().for_each(rewrite);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite),
        _ => {}
    }
}

/// A field that documents a referenced type comes out as `allOf: [{$ref}, {description}]`,
/// which generators take for a composition (and refuse for enums): it is the reference.
fn described_reference(object: &mut Map<String, Value>) {
    let Some(Value::Array(parts)) = object.get("allOf") else {
        return;
    };
    let reference = match parts.as_slice() {
        [reference, Value::Object(rest)]
            if reference.get("$ref").is_some() && rest.keys().all(|k| k == "description") =>
        {
            reference.clone()
        }
        _ => return,
    };
    object.remove("allOf");
    object.remove("description");
    if let Value::Object(reference) = reference {
        object.extend(reference);
    }
}

/// An event stream is declared as an array of its events; each event's `data` is one of
/// them, which is what the schema should say.
fn event_stream(object: &mut Map<String, Value>) {
    let Some(Value::Object(media)) = object.get_mut("text/event-stream") else {
        return;
    };
    let Some(Value::Object(schema)) = media.get_mut("schema") else {
        return;
    };
    if schema.get("format").and_then(Value::as_str) == Some("event-stream")
        && let Some(items) = schema.remove("items")
    {
        *media.get_mut("schema").expect("checked above") = items;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn described_references_event_streams_and_dates_become_plain_openapi() {
        let generated = json!({
            "properties": {
                "language": {
                    "description": "d",
                    "allOf": [{ "$ref": "#/components/schemas/L" }, { "description": "d" }]
                },
                "posted_since": { "type": "string", "format": "naive-date" },
                "kept": { "allOf": [{ "$ref": "#/a" }, { "$ref": "#/b" }] }
            },
            "content": { "text/event-stream": { "schema": {
                "type": "array", "format": "event-stream", "items": { "$ref": "#/E" }
            } } }
        });
        let rewritten: Value = serde_json::from_str(&for_clients(&generated.to_string())).unwrap();
        assert_eq!(
            rewritten["properties"]["language"],
            json!({ "$ref": "#/components/schemas/L" })
        );
        assert_eq!(rewritten["properties"]["posted_since"]["format"], "date");
        assert_eq!(
            rewritten["properties"]["kept"]["allOf"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            rewritten["content"]["text/event-stream"]["schema"],
            json!({ "$ref": "#/E" })
        );
    }
}
