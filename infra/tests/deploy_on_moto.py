"""Deploys infra/template.yaml to moto's CloudFormation and prints what it made, as JSON.

moto creates most resource types of the template from it (S3, IAM, Lambda, VPC, RDS,
Events, Auto Scaling...) and has no CloudFormation support for some (Cognito, CloudFront,
API Gateway v2, OpenSearch, CloudWatch alarms, scaling policies). Those are left out of
the emulated copy and references to them get the stand-in values given on the command
line; everything left out is printed, so the README can say what was and was not made.

The Cognito pool, its app client and groups are made through the Cognito API from the
template's own properties, so the pool a server then signs in to is the template's.

Usage: deploy_on_moto.py ENDPOINT STACK SETUP_JSON
  SETUP_JSON: {"version", "zips": {name: path}, "database_credentials": {...}}
"""

import io
import json
import re
import sys
import zipfile

import boto3
from cfnlint.decode import decode

# Types moto 5.2's CloudFormation cannot create, with resources referring to them.
NOT_EMULATED = {
    "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage", "AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::Function",
    "AWS::CloudFront::ResponseHeadersPolicy", "AWS::CloudFront::Distribution", "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup", "AWS::OpenSearchService::Domain",
    "AWS::AutoScaling::ScalingPolicy", "AWS::CloudWatch::Alarm", "AWS::IAM::ServiceLinkedRole",
}
NAME = re.compile(r"\$\{([A-Za-z0-9.]+)\}")


def emulated(template, standins):
    left_out = {k for k, v in template["Resources"].items() if v["Type"] in NOT_EMULATED}

    def given(name):
        return name.split(".")[0] in left_out or name in standins

    def sub(text):
        text = NAME.sub(lambda m: standins[m.group(1)] if given(m.group(1)) else m.group(0), text)
        # moto reads ${A.B.C} as resource A's attribute B: pass nested attributes as variables.
        variables = {}

        def nested(m):
            parts = m.group(1).split(".")
            if len(parts) < 3:
                return m.group(0)
            variables["".join(parts)] = {"Fn::GetAtt": [parts[0], ".".join(parts[1:])]}
            return "${" + "".join(parts) + "}"

        text = NAME.sub(nested, text)
        return {"Fn::Sub": [text, variables]} if variables else {"Fn::Sub": text}

    def walk(v):
        if isinstance(v, dict):
            if list(v) == ["Ref"] and given(v["Ref"]):
                return standins[v["Ref"]]
            if list(v) == ["Fn::GetAtt"]:
                parts = v["Fn::GetAtt"]
                name = parts if isinstance(parts, str) else ".".join(parts)
                if given(name):
                    return standins[name]
            if list(v) == ["Fn::Sub"] and isinstance(v["Fn::Sub"], str):
                return sub(v["Fn::Sub"])
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    resources = {}
    for key, resource in template["Resources"].items():
        if key in left_out:
            continue
        resource = walk(resource)
        depends = resource.get("DependsOn")
        if depends:
            depends = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in left_out]
            if depends:
                resource["DependsOn"] = depends
            else:
                del resource["DependsOn"]
        resources[key] = resource
    copy = dict(template, Resources=resources, Outputs=walk(template["Outputs"]))
    return copy, sorted(left_out)


def with_conditions(template, value):
    """`value` with each Fn::If chosen as the parameters' defaults choose it (conditions
    of the form Equals [Ref PARAMETER, VALUE])."""
    def holds(name):
        left, right = template["Conditions"][name]["Fn::Equals"]
        return str(template["Parameters"][left["Ref"]].get("Default")) == str(right)

    if isinstance(value, dict):
        if list(value) == ["Fn::If"]:
            name, yes, no = value["Fn::If"]
            return with_conditions(template, yes if holds(name) else no)
        return {k: with_conditions(template, v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_conditions(template, v) for v in value]
    return value


def cognito_from_template(aws, template):
    """The template's pool, app client and groups, made through the Cognito API."""
    cognito = boto3.client("cognito-idp", **aws)
    of_type = lambda t: [with_conditions(template, r["Properties"])
                         for r in template["Resources"].values() if r["Type"] == t]
    [pool] = of_type("AWS::Cognito::UserPool")
    pool = {("PoolName" if k == "UserPoolName" else k): v for k, v in pool.items()}
    pool["PoolName"] = "mediaport"
    pool = cognito.create_user_pool(**pool)["UserPool"]
    [client] = of_type("AWS::Cognito::UserPoolClient")
    client = dict(client, UserPoolId=pool["Id"], ClientName="mediaport-app")
    client = cognito.create_user_pool_client(**client)["UserPoolClient"]
    for group in of_type("AWS::Cognito::UserPoolGroup"):
        cognito.create_group(**dict(group, UserPoolId=pool["Id"]))
    return pool, client


def main():
    endpoint, stack, setup = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    template, problems = decode("infra/template.yaml")
    if problems:
        sys.exit(f"the template does not parse: {problems}")
    template = json.loads(json.dumps(template, default=str))
    aws = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")

    # What infra/deploy.sh and AWS provide before the stack: the packaged files, the
    # worker image's parameter, and (made by RDS in a real deployment) the database secret.
    s3 = boto3.client("s3", **aws)
    s3.create_bucket(Bucket="mediaport-artifacts")
    # moto keeps a function's code but cannot run it (that needs Docker): without packaged
    # zips, a placeholder stands in (the zips' bootstraps are run in api/tests/lambda.rs).
    for name in ["mediaport-lambda", "mediaport-s3-events"]:
        key = f"{name}-{setup['version']}.zip"
        if name in setup.get("zips", {}):
            s3.upload_file(setup["zips"][name], "mediaport-artifacts", key)
        else:
            placeholder = io.BytesIO()
            with zipfile.ZipFile(placeholder, "w") as archive:
                archive.writestr("bootstrap", "#!/bin/sh\nexit 1\n")
            s3.put_object(Bucket="mediaport-artifacts", Key=key, Body=placeholder.getvalue())
    boto3.client("ssm", **aws).put_parameter(Name="/mediaport/test/worker-image", Value="ami-12c6146b", Type="String")
    secret = boto3.client("secretsmanager", **aws).create_secret(
        Name="rds!db-mediaport", SecretString=json.dumps(setup["database_credentials"]))["ARN"]
    pool, client = cognito_from_template(aws, template)

    standins = {
        "UserPool": pool["Id"], "UserPool.Arn": pool["Arn"], "UserPoolClient": client["ClientId"],
        "Database.MasterUserSecret.SecretArn": secret,
        "Distribution": "E2EMULATED", "Distribution.DomainName": "emulated.cloudfront.net",
        "HttpApi": "emulated", "HttpApi.ApiEndpoint": "https://emulated.execute-api.us-east-1.amazonaws.com",
        "SearchDomain.DomainEndpoint": "search.emulated.invalid",
    }
    for key, resource in template["Resources"].items():
        if resource["Type"] in NOT_EMULATED:
            standins.setdefault(key, f"emulated-{key}")
    standins["AppPages.FunctionMetadata.FunctionARN"] = "emulated"
    parameters = {"ArtifactBucket": "mediaport-artifacts", "Version": setup["version"],
                  "WorkerImage": "/mediaport/test/worker-image"}
    copy, left_out = emulated(template, standins)
    # moto resolves SSM-typed parameters' defaults too: point them at the test's parameter.
    copy["Parameters"]["WorkerImage"]["Default"] = parameters["WorkerImage"]
    cloudformation = boto3.client("cloudformation", **aws)
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(copy),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    made = cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    functions = boto3.client("lambda", **aws)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    api = functions.get_function_configuration(FunctionName="mediaport-api")
    events_policy = json.loads(functions.get_policy(FunctionName=outputs["EventsFunction"])["Policy"])
    events_arn = functions.get_function_configuration(FunctionName=outputs["EventsFunction"])["FunctionArn"]
    print(json.dumps({
        "status": described["StackStatus"],
        "outputs": outputs,
        "resources": {r["LogicalResourceId"]: r["ResourceType"] for r in made},
        "left_out": {k: template["Resources"][k]["Type"] for k in left_out},
        "api_environment": api["Environment"]["Variables"],
        "events_function_arn": events_arn,
        "events_policy": events_policy,
        "ingest_notifications": copy["Resources"]["IngestBucket"]["Properties"]["NotificationConfiguration"],
        "cognito": {"pool": pool, "client": client},
    }, default=str))


if __name__ == "__main__":
    main()
