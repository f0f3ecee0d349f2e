//! Signed access tokens (JWT, HS256) for local users.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use mediaport_core::IdentityError;
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "mediaport";
pub const AUDIENCE: &str = "mediaport-api";

/// The secret that signs and verifies access tokens.
#[derive(Clone)]
pub struct SigningKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub token_use: String,
    pub jti: String,
}

impl SigningKey {
    /// A key from at least 32 secret bytes.
    pub fn from_secret(secret: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(secret.len() >= 32, "the token signing key must be at least 32 bytes");
        Ok(Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) })
    }

    /// A key from its hex form, as kept in the data folder.
    pub fn from_hex(text: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        anyhow::ensure!(text.len().is_multiple_of(2), "odd number of hex digits");
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()?;
        Self::from_secret(&bytes)
    }

    /// A new random secret in hex, for [`SigningKey::from_hex`].
    pub fn generate_hex() -> String {
        (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
    }

    pub fn sign(&self, username: &str, now: u64, ttl_secs: u64) -> Result<String, IdentityError> {
        let claims = Claims {
            sub: username.to_owned(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + ttl_secs,
            token_use: "access".into(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| IdentityError::Other(e.to_string()))
    }

    /// The token's subject, if the signature, issuer, audience, expiry and use all hold.
    pub fn verify(&self, token: &str) -> Result<String, IdentityError> {
        // Only HS256: a token claiming `none` or another algorithm is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| {
            IdentityError::InvalidToken(match e.kind() {
                ErrorKind::ExpiredSignature => "expired",
                ErrorKind::InvalidSignature => "bad signature",
                ErrorKind::InvalidAudience => "wrong audience",
                ErrorKind::InvalidIssuer => "wrong issuer",
                ErrorKind::InvalidAlgorithm => "wrong algorithm",
                _ => "malformed",
            })
        })?;
        if data.claims.token_use != "access" {
            return Err(IdentityError::InvalidToken("not an access token"));
        }
        Ok(data.claims.sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    fn key(byte: u8) -> SigningKey {
        SigningKey::from_secret(&[byte; 32]).unwrap()
    }

    #[test]
    fn a_fresh_token_verifies_to_its_subject() {
        let token = key(1).sign("ada", now(), 60).unwrap();
        assert_eq!(key(1).verify(&token).unwrap(), "ada");
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let expired = key(1).sign("ada", now() - 3600, 60).unwrap();
        assert_eq!(key(1).verify(&expired).unwrap_err().to_string(), "the token is not valid: expired");

        let foreign = key(2).sign("ada", now(), 60).unwrap();
        assert!(key(1).verify(&foreign).is_err());

        // Same claims, `alg: none`, no signature.
        let payload = foreign.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(key(1).verify(&none).is_err());
    }

    #[test]
    fn another_audience_is_refused() {
        let claims = Claims {
            sub: "ada".into(),
            iss: ISSUER.into(),
            aud: "some-other-app".into(),
            iat: now(),
            exp: now() + 60,
            token_use: "access".into(),
            jti: "x".into(),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&[1; 32])).unwrap();
        assert_eq!(key(1).verify(&token).unwrap_err().to_string(), "the token is not valid: wrong audience");
    }

    #[test]
    fn short_keys_are_rejected() {
        assert!(SigningKey::from_secret(b"short").is_err());
    }
}
