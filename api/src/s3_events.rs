//! Amazon S3 event notifications, as they reach a Lambda function straight from S3,
//! through SQS, or through EventBridge: the objects they say were created. On AWS this is
//! how a copy into the ingest bucket becomes an asset (the embedded endpoint announces
//! its objects in-process instead).

use serde_json::Value;

/// An object a notification reports as created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedObject {
    pub bucket: String,
    pub key: String,
}

/// Every object-created record in a notification payload; other events are ignored.
pub fn created_objects(payload: &Value) -> Vec<CreatedObject> {
    let mut found = Vec::new();
    // EventBridge: {"detail-type": "Object Created", "detail": {"bucket": {"name"}, "object": {"key"}}}
    if payload["detail-type"] == "Object Created" {
        let (bucket, key) = (&payload["detail"]["bucket"]["name"], &payload["detail"]["object"]["key"]);
        if let (Some(bucket), Some(key)) = (bucket.as_str(), key.as_str()) {
            found.push(CreatedObject { bucket: bucket.to_owned(), key: key.to_owned() });
        }
        return found;
    }
    for record in payload["Records"].as_array().into_iter().flatten() {
        // SQS wraps the S3 notification, as text, in each record's body.
        if let Some(body) = record["body"].as_str() {
            if let Ok(inner) = serde_json::from_str::<Value>(body) {
                found.extend(created_objects(&inner));
            }
            continue;
        }
        let is_created = record["eventName"].as_str().is_some_and(|n| n.starts_with("ObjectCreated:"));
        let (bucket, key) = (&record["s3"]["bucket"]["name"], &record["s3"]["object"]["key"]);
        if let (true, Some(bucket), Some(key)) = (is_created, bucket.as_str(), key.as_str()) {
            found.push(CreatedObject { bucket: bucket.to_owned(), key: decode_key(key) });
        }
    }
    found
}

/// S3 notifications carry keys form-encoded: `+` for a space, `%XX` for other bytes.
fn decode_key(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn s3_record(event: &str, key: &str) -> Value {
        json!({"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1", "eventName": event,
               "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "mediaport-ingest", "arn": "arn:aws:s3:::mediaport-ingest"},
                      "object": {"key": key, "size": 1024, "eTag": "d41d8cd98f00b204e9800998ecf8427e"}}})
    }

    #[test]
    fn direct_notifications_decode_their_keys() {
        let payload = json!({"Records": [
            s3_record("ObjectCreated:Put", "bulk/Press+conference+%C3%A9t%C3%A9.mp4"),
            s3_record("ObjectRemoved:Delete", "old.mp4"),
            s3_record("ObjectCreated:CompleteMultipartUpload", "100%25+real.mov"),
        ]});
        let keys: Vec<_> = created_objects(&payload).into_iter().map(|o| o.key).collect();
        assert_eq!(keys, ["bulk/Press conference été.mp4", "100% real.mov"]);
    }

    #[test]
    fn sqs_and_eventbridge_deliveries() {
        let inner = json!({"Records": [s3_record("ObjectCreated:Copy", "a+b.wav")]});
        let sqs = json!({"Records": [{"messageId": "1", "eventSource": "aws:sqs", "body": inner.to_string()}]});
        assert_eq!(created_objects(&sqs), [CreatedObject { bucket: "mediaport-ingest".into(), key: "a b.wav".into() }]);
        let bridge = json!({"version": "0", "source": "aws.s3", "detail-type": "Object Created",
                            "detail": {"bucket": {"name": "mediaport-ingest"}, "object": {"key": "x y.jpg", "size": 5}}});
        assert_eq!(
            created_objects(&bridge),
            [CreatedObject { bucket: "mediaport-ingest".into(), key: "x y.jpg".into() }]
        );
        assert!(created_objects(&json!({"detail-type": "Object Deleted"})).is_empty());
        assert!(created_objects(&json!({"anything": 1})).is_empty());
    }
}
