#!/usr/bin/env bash
# Deploys (or updates) the stack with what infra/package.sh built, using the AWS CLI and
# the credentials it finds. Usage:
#   infra/deploy.sh STACK_NAME [Key=Value ...]   (template parameters, e.g. WorkerMaxCount=8)
# Environment: AWS_REGION (or the CLI's default region), VERSION and DIST as for
# package.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:?usage: infra/deploy.sh STACK_NAME [Key=Value ...]}
shift
command -v aws >/dev/null || { echo "the AWS CLI (aws) is needed: https://aws.amazon.com/cli/" >&2; exit 1; }

crate_version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
VERSION="${VERSION:-$crate_version-$(git rev-parse --short=10 HEAD)}"
DIST="${DIST:-dist}"
for file in mediaport-lambda-$VERSION.zip mediaport-s3-events-$VERSION.zip \
  mediaport-web-$VERSION.tar.gz mediaport-worker-$VERSION.tar.gz; do
  [ -f "$DIST/$file" ] || { echo "$DIST/$file is missing: run infra/package.sh first" >&2; exit 1; }
done
(cd "$DIST" && sha256sum --check --quiet SHA256SUMS)

account=$(aws sts get-caller-identity --query Account --output text)
region=${AWS_REGION:-$(aws configure get region)}
artifacts="$stack-artifacts-$account-$region"
if ! aws s3api head-bucket --bucket "$artifacts" 2>/dev/null; then
  echo "==> creating the artifact bucket $artifacts"
  if [ "$region" = us-east-1 ]; then
    aws s3api create-bucket --bucket "$artifacts" >/dev/null
  else
    aws s3api create-bucket --bucket "$artifacts" --create-bucket-configuration "LocationConstraint=$region" >/dev/null
  fi
  aws s3api put-public-access-block --bucket "$artifacts" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
fi
echo "==> uploading $VERSION"
for file in mediaport-lambda-$VERSION.zip mediaport-s3-events-$VERSION.zip mediaport-worker-$VERSION.tar.gz; do
  aws s3 cp --only-show-errors "$DIST/$file" "s3://$artifacts/$file"
done

echo "==> deploying the stack $stack (the first time takes 20-30 minutes: RDS and OpenSearch)"
aws cloudformation deploy --stack-name "$stack" --template-file infra/template.yaml \
  --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
  --parameter-overrides "Name=$stack" "ArtifactBucket=$artifacts" "Version=$VERSION" "$@"
output() {
  aws cloudformation describe-stacks --stack-name "$stack" --output text \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue"
}

echo "==> publishing the web app"
web=$(mktemp -d)
tar -xzf "$DIST/mediaport-web-$VERSION.tar.gz" -C "$web"
# The app's file names carry no content hash: browsers and CloudFront must revalidate.
aws s3 sync --only-show-errors --delete --cache-control no-cache "$web" "s3://$(output WebBucket)"
rm -rf "$web"
aws cloudfront create-invalidation --distribution-id "$(output DistributionId)" --paths '/*' >/dev/null

cat <<DONE

  Mediaport is deployed: $(output AppUrl)

  Create the first admin (the pool admits no self sign-up):
    MEDIAPORT__IDENTITY__KIND=cognito MEDIAPORT__IDENTITY__COGNITO__REGION=$region \\
    MEDIAPORT__IDENTITY__COGNITO__USER_POOL_ID=$(output UserPoolId) \\
    MEDIAPORT__IDENTITY__COGNITO__CLIENT_ID=$(output UserPoolClientId) \\
    mediaport user add admin --group admin --email you@example.org
DONE
