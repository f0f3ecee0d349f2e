//! The template against cfn-lint and against the rules a security review would check:
//! storage encrypted and private, TLS only, no self sign-up, no wildcard permissions,
//! everything holding data or running code in private subnets. Each rule is also shown
//! to catch a template that breaks it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{refs, resources, template, template_path};

/// Actions AWS does not scope to a resource: the only ones allowed on `"*"`.
const UNSCOPED_ACTIONS: [&str; 6] = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn buckets_private_and_encrypted(t: &Value) -> Vec<String> {
    let mut broken = vec![];
    let policies = resources(t, "AWS::S3::BucketPolicy");
    for (id, bucket) in resources(t, "AWS::S3::Bucket") {
        let p = &bucket["Properties"];
        let algorithm = &p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"];
        if !matches!(algorithm.as_str(), Some("AES256" | "aws:kms" | "aws:kms:dsse")) {
            broken.push(format!("{id}: not encrypted"));
        }
        let block = &p["PublicAccessBlockConfiguration"];
        let flags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];
        if flags.iter().any(|f| block[f] != true) {
            broken.push(format!("{id}: public access is not blocked"));
        }
        let tls_only = policies.iter().any(|(_, policy)| {
            refs(&policy["Properties"]["Bucket"]) == [id]
                && policy["Properties"]["PolicyDocument"]["Statement"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|s| s["Effect"] == "Deny" && s["Condition"]["Bool"]["aws:SecureTransport"] == "false")
        });
        if !tls_only {
            broken.push(format!("{id}: no policy refuses requests without TLS"));
        }
        for rule in p["CorsConfiguration"]["CorsRules"].as_array().into_iter().flatten() {
            if strings(&rule["AllowedOrigins"]).contains(&"*") {
                broken.push(format!("{id}: CORS allows any origin"));
            }
        }
    }
    broken
}

fn users_are_made_by_admins(t: &Value) -> Vec<String> {
    let mut broken = vec![];
    for (id, pool) in resources(t, "AWS::Cognito::UserPool") {
        let p = &pool["Properties"];
        if p["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] != true {
            broken.push(format!("{id}: people can sign themselves up"));
        }
        let policy = &p["Policies"]["PasswordPolicy"];
        let strong = policy["MinimumLength"].as_u64().is_some_and(|n| n >= 8)
            && ["RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"]
                .iter()
                .all(|r| policy[r] == true);
        if !strong {
            broken.push(format!("{id}: the password policy is weaker than the README's"));
        }
    }
    for (id, client) in resources(t, "AWS::Cognito::UserPoolClient") {
        if client["Properties"]["GenerateSecret"] != false {
            broken.push(format!("{id}: the web app's client cannot keep a secret"));
        }
    }
    broken
}

/// Every policy document an IAM resource grants, with where it is.
fn granted(t: &Value) -> Vec<(String, &Value)> {
    let mut found = vec![];
    for (id, role) in resources(t, "AWS::IAM::Role") {
        for policy in role["Properties"]["Policies"].as_array().into_iter().flatten() {
            found.push((format!("{id}/{}", policy["PolicyName"].as_str().unwrap_or("?")), &policy["PolicyDocument"]));
        }
    }
    for kind in ["AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"] {
        for (id, policy) in resources(t, kind) {
            found.push((id.to_owned(), &policy["Properties"]["PolicyDocument"]));
        }
    }
    for (id, domain) in resources(t, "AWS::OpenSearchService::Domain") {
        found.push((id.to_owned(), &domain["Properties"]["AccessPolicies"]));
    }
    found
}

fn no_wildcard_permissions(t: &Value) -> Vec<String> {
    let mut broken = vec![];
    for (at, document) in granted(t) {
        for statement in document["Statement"].as_array().into_iter().flatten() {
            if statement["Effect"] != "Allow" {
                continue;
            }
            let actions = strings(&statement["Action"]);
            if statement.get("NotAction").is_some() || statement.get("NotResource").is_some() {
                broken.push(format!("{at}: NotAction / NotResource grant more than they name"));
            }
            if let Some(action) = actions.iter().find(|a| a.contains('*')) {
                broken.push(format!("{at}: wildcard action {action}"));
            }
            let anywhere = strings(&statement["Resource"]).contains(&"*");
            if let Some(action) = actions.iter().find(|a| anywhere && !UNSCOPED_ACTIONS.contains(a)) {
                broken.push(format!("{at}: {action} on every resource"));
            }
            if statement["Principal"] == "*" || statement["Principal"]["AWS"] == "*" {
                broken.push(format!("{at}: allows anyone"));
            }
        }
    }
    broken
}

/// Subnets whose route table sends traffic to an internet gateway.
fn public_subnets(t: &Value) -> BTreeSet<String> {
    let public_tables: BTreeSet<String> = resources(t, "AWS::EC2::Route")
        .into_iter()
        .filter(|(_, r)| r["Properties"].get("GatewayId").is_some())
        .flat_map(|(_, r)| refs(&r["Properties"]["RouteTableId"]))
        .collect();
    let mut public: BTreeSet<String> = resources(t, "AWS::EC2::SubnetRouteTableAssociation")
        .into_iter()
        .filter(|(_, a)| refs(&a["Properties"]["RouteTableId"]).iter().any(|t| public_tables.contains(t)))
        .flat_map(|(_, a)| refs(&a["Properties"]["SubnetId"]))
        .collect();
    let mapped =
        resources(t, "AWS::EC2::Subnet").into_iter().filter(|(_, s)| s["Properties"]["MapPublicIpOnLaunch"] == true);
    public.extend(mapped.map(|(id, _)| id.to_owned()));
    public
}

fn data_and_code_in_private_subnets(t: &Value) -> Vec<String> {
    let public = public_subnets(t);
    let mut broken = vec![];
    let placed: [(&str, &[&str]); 5] = [
        ("AWS::RDS::DBSubnetGroup", &["SubnetIds"]),
        ("AWS::OpenSearchService::Domain", &["VPCOptions", "SubnetIds"]),
        ("AWS::Lambda::Function", &["VpcConfig", "SubnetIds"]),
        ("AWS::AutoScaling::AutoScalingGroup", &["VPCZoneIdentifier"]),
        ("AWS::EC2::Instance", &["SubnetId"]),
    ];
    for (kind, path) in placed {
        for (id, resource) in resources(t, kind) {
            let subnets = path.iter().fold(&resource["Properties"], |v, key| &v[key]);
            let subnets = refs(subnets);
            if subnets.is_empty() {
                broken.push(format!("{id}: not placed in the VPC's private subnets"));
            }
            if let Some(subnet) = subnets.iter().find(|s| public.contains(*s)) {
                broken.push(format!("{id}: in public subnet {subnet}"));
            }
        }
    }
    for (id, db) in resources(t, "AWS::RDS::DBInstance") {
        if db["Properties"]["PubliclyAccessible"] != false || db["Properties"]["StorageEncrypted"] != true {
            broken.push(format!("{id}: the database must be private and encrypted"));
        }
    }
    for (id, domain) in resources(t, "AWS::OpenSearchService::Domain") {
        let p = &domain["Properties"];
        let sealed = p["EncryptionAtRestOptions"]["Enabled"] == true
            && p["NodeToNodeEncryptionOptions"]["Enabled"] == true
            && p["DomainEndpointOptions"]["EnforceHTTPS"] == true;
        if !sealed {
            broken.push(format!("{id}: the search domain must encrypt at rest, between nodes and in transit"));
        }
    }
    broken
}

fn all_rules(t: &Value) -> Vec<String> {
    [buckets_private_and_encrypted, users_are_made_by_admins, no_wildcard_permissions, data_and_code_in_private_subnets]
        .iter()
        .flat_map(|rule| rule(t))
        .collect()
}

#[test]
fn the_template_passes_cfn_lint() {
    let moto = std::env::var("MOTO_DIR").expect("MOTO_DIR is set by scripts/test.sh (cfn-lint comes with moto)");
    let out = std::process::Command::new("python3")
        .arg(format!("{moto}/bin/cfn-lint"))
        .arg(template_path())
        .env("PYTHONPATH", &moto)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "cfn-lint:\n{report}{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_template_keeps_the_policy_rules() {
    let t = template();
    assert!(resources(&t, "AWS::S3::Bucket").len() >= 3, "the rules read the template's resources");
    assert_eq!(all_rules(&t), Vec::<String>::new());
}

/// Breaks the template at `pointer` and returns what the rules say.
fn broken_at(pointer: &str, value: Value) -> Vec<String> {
    let mut t = template();
    *t.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} is in the template")) = value;
    all_rules(&t)
}

#[test]
fn each_rule_catches_a_template_that_breaks_it() {
    let cases = [
        ("/Resources/ProxyBucket/Properties/BucketEncryption", json!(null), "ProxyBucket: not encrypted"),
        (
            "/Resources/WebBucket/Properties/PublicAccessBlockConfiguration/RestrictPublicBuckets",
            json!(false),
            "WebBucket: public access is not blocked",
        ),
        (
            "/Resources/IngestBucketPolicy/Properties/PolicyDocument/Statement/0/Condition",
            json!({}),
            "IngestBucket: no policy refuses requests without TLS",
        ),
        (
            "/Resources/IngestBucket/Properties/CorsConfiguration/CorsRules/0/AllowedOrigins",
            json!(["*"]),
            "IngestBucket: CORS allows any origin",
        ),
        (
            "/Resources/UserPool/Properties/AdminCreateUserConfig/AllowAdminCreateUserOnly",
            json!(false),
            "UserPool: people can sign themselves up",
        ),
        ("/Resources/AppPolicy/Properties/PolicyDocument/Statement/0/Action", json!("s3:*"), "wildcard action s3:*"),
        (
            "/Resources/AppPolicy/Properties/PolicyDocument/Statement/4/Resource",
            json!("*"),
            "es:ESHttpGet on every resource",
        ),
        (
            "/Resources/Database/Properties/PubliclyAccessible",
            json!(true),
            "Database: the database must be private and encrypted",
        ),
        (
            "/Resources/WorkerGroup/Properties/VPCZoneIdentifier",
            json!([{"Ref": "PublicSubnetA"}]),
            "WorkerGroup: in public subnet PublicSubnetA",
        ),
        (
            "/Resources/DatabaseSubnets/Properties/SubnetIds/1",
            json!({"Ref": "PublicSubnetB"}),
            "DatabaseSubnets: in public subnet PublicSubnetB",
        ),
        ("/Resources/ApiFunction/Properties/VpcConfig", json!(null), "ApiFunction: not placed in the VPC"),
    ];
    for (pointer, value, expected) in cases {
        let said = broken_at(pointer, value);
        assert!(said.iter().any(|s| s.contains(expected)), "breaking {pointer}: expected {expected:?}, got {said:?}");
    }
}
