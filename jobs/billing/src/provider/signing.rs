//! RSA-SHA256 signatures as WeChat Pay v3 uses them: each side signs a message of
//! newline-terminated parts with its own private key; the other checks it with the public
//! key it was given. Keys travel as PEM (PKCS#8 private, SubjectPublicKeyInfo public).

use aws_lc_rs::{
    encoding::AsDer,
    rand::{SecureRandom, SystemRandom},
    rsa::KeySize,
    signature::{self, KeyPair, RsaKeyPair},
};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};

use super::PaymentError;

/// A private signing key.
pub struct SigningKey(RsaKeyPair);

impl SigningKey {
    pub fn from_pem(pem_text: &str) -> Result<Self, PaymentError> {
        let block = pem::parse(pem_text).map_err(|e| PaymentError::Key(e.to_string()))?;
        RsaKeyPair::from_pkcs8(block.contents())
            .map(Self)
            .map_err(|e| PaymentError::Key(e.to_string()))
    }

    /// A new 2048-bit key, for the stand-in provider and for local setups.
    pub fn generate() -> Result<Self, PaymentError> {
        RsaKeyPair::generate(KeySize::Rsa2048)
            .map(Self)
            .map_err(|_| PaymentError::Key("could not generate an RSA key".into()))
    }

    pub fn to_pem(&self) -> String {
        let der = self.0.as_der().expect("an RSA key pair has a PKCS#8 form");
        pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref()))
    }

    pub fn public_pem(&self) -> String {
        let der = self
            .0
            .public_key()
            .as_der()
            .expect("an RSA public key has a DER form");
        pem::encode(&pem::Pem::new("PUBLIC KEY", der.as_ref()))
    }

    /// The base64 signature of `message`.
    pub fn sign(&self, message: &str) -> String {
        let mut signature = vec![0; self.0.public_modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing of a buffer of the modulus' length does not fail");
        BASE64.encode(signature)
    }
}

/// A public key that checks the other side's signatures.
pub struct VerifyingKey(Vec<u8>);

impl VerifyingKey {
    pub fn from_pem(pem_text: &str) -> Result<Self, PaymentError> {
        let block = pem::parse(pem_text).map_err(|e| PaymentError::Key(e.to_string()))?;
        let der = block.into_contents();
        signature::ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der.clone())
            .map_err(|e| PaymentError::Key(format!("{e:?}")))?;
        Ok(Self(der))
    }

    /// Whether `signature` (base64) is this key's signature of `message`.
    pub fn verify(&self, message: &str, signature: &str) -> bool {
        let Ok(signature) = BASE64.decode(signature.trim()) else {
            return false;
        };
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.0)
            .verify(message.as_bytes(), &signature)
            .is_ok()
    }
}

/// The signed message: every part followed by a newline.
pub fn message(parts: &[&str]) -> String {
    parts.iter().fold(String::new(), |mut message, part| {
        message.push_str(part);
        message.push('\n');
        message
    })
}

/// A random string of `len` letters and digits.
pub fn nonce(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; len];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// The `Authorization` header a merchant signs each request with.
pub struct Authorization {
    pub mchid: String,
    pub serial_no: String,
    pub nonce: String,
    pub timestamp: String,
    pub signature: String,
}

const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

impl Authorization {
    /// Signs `method url timestamp nonce body` for merchant `mchid`.
    pub fn sign(
        key: &SigningKey,
        mchid: &str,
        serial_no: &str,
        method: &str,
        path_and_query: &str,
        body: &str,
        timestamp: i64,
    ) -> Self {
        let nonce = nonce(32);
        let timestamp = timestamp.to_string();
        let signature = key.sign(&message(&[
            method,
            path_and_query,
            &timestamp,
            &nonce,
            body,
        ]));
        Self {
            mchid: mchid.to_owned(),
            serial_no: serial_no.to_owned(),
            nonce,
            timestamp,
            signature,
        }
    }

    pub fn header(&self) -> String {
        format!(
            r#"{SCHEME} mchid="{}",nonce_str="{}",signature="{}",timestamp="{}",serial_no="{}""#,
            self.mchid, self.nonce, self.signature, self.timestamp, self.serial_no
        )
    }

    pub fn parse(header: &str) -> Option<Self> {
        let fields = header.strip_prefix(SCHEME)?.trim();
        let field = |name: &str| {
            fields.split(',').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                (key == name).then(|| value.trim_matches('"').to_owned())
            })
        };
        Some(Self {
            mchid: field("mchid")?,
            serial_no: field("serial_no")?,
            nonce: field("nonce_str")?,
            timestamp: field("timestamp")?,
            signature: field("signature")?,
        })
    }

    /// Whether this header signs `method path_and_query body` with `key`.
    pub fn verify(
        &self,
        key: &VerifyingKey,
        method: &str,
        path_and_query: &str,
        body: &str,
    ) -> bool {
        key.verify(
            &message(&[method, path_and_query, &self.timestamp, &self.nonce, body]),
            &self.signature,
        )
    }
}

/// The `Wechatpay-*` headers the provider signs its answers and notifications with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    /// Which of the provider's keys signed (its serial or public-key id).
    pub serial: String,
}

impl SignedHeaders {
    pub const TIMESTAMP: &'static str = "Wechatpay-Timestamp";
    pub const NONCE: &'static str = "Wechatpay-Nonce";
    pub const SIGNATURE: &'static str = "Wechatpay-Signature";
    pub const SERIAL: &'static str = "Wechatpay-Serial";

    /// Signs `timestamp nonce body`.
    pub fn sign(key: &SigningKey, serial: &str, body: &str, timestamp: i64) -> Self {
        let nonce = nonce(32);
        let timestamp = timestamp.to_string();
        let signature = key.sign(&message(&[&timestamp, &nonce, body]));
        Self {
            timestamp,
            nonce,
            signature,
            serial: serial.to_owned(),
        }
    }

    /// Reads the four headers by name; `None` when one is missing.
    pub fn read(mut header: impl FnMut(&str) -> Option<String>) -> Option<Self> {
        Some(Self {
            timestamp: header(Self::TIMESTAMP)?,
            nonce: header(Self::NONCE)?,
            signature: header(Self::SIGNATURE)?,
            serial: header(Self::SERIAL)?,
        })
    }

    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            (Self::TIMESTAMP, &self.timestamp),
            (Self::NONCE, &self.nonce),
            (Self::SIGNATURE, &self.signature),
            (Self::SERIAL, &self.serial),
        ]
    }

    /// Checks that `body` was signed by the key `serial` names, within `window_secs` of `now`.
    pub fn verify(
        &self,
        key: &VerifyingKey,
        serial: &str,
        body: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<(), PaymentError> {
        if self.serial != serial {
            return Err(PaymentError::UnknownSerial(self.serial.clone()));
        }
        let timestamp: i64 = self
            .timestamp
            .parse()
            .map_err(|_| PaymentError::StaleTimestamp(self.timestamp.clone()))?;
        // abs_diff: the header is the sender's, and i64::MIN - now overflows.
        if now.abs_diff(timestamp) > window_secs.unsigned_abs() {
            return Err(PaymentError::StaleTimestamp(self.timestamp.clone()));
        }
        if !key.verify(
            &message(&[&self.timestamp, &self.nonce, body]),
            &self.signature,
        ) {
            return Err(PaymentError::BadSignature);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_public_key_and_not_with_another() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let public = VerifyingKey::from_pem(&key.public_pem()).unwrap();
        let message = message(&["1700000000", "nonce", "{\"a\":1}"]);
        assert_eq!(message, "1700000000\nnonce\n{\"a\":1}\n");
        assert!(public.verify(&message, &key.sign(&message)));
        assert!(!public.verify(&message, &other.sign(&message)));
        assert!(!public.verify(&message.replace('1', "2"), &key.sign(&message)));
        assert!(!public.verify(&message, "not base64 at all!"));
        let again = SigningKey::from_pem(&key.to_pem()).unwrap();
        assert!(public.verify(&message, &again.sign(&message)));
    }

    #[test]
    fn an_authorization_header_round_trips_and_covers_the_body() {
        let key = SigningKey::generate().unwrap();
        let public = VerifyingKey::from_pem(&key.public_pem()).unwrap();
        let auth = Authorization::sign(&key, "1900000001", "SERIAL1", "POST", "/v3/x", "{}", 1);
        let parsed = Authorization::parse(&auth.header()).unwrap();
        assert_eq!(parsed.mchid, "1900000001");
        assert!(parsed.verify(&public, "POST", "/v3/x", "{}"));
        assert!(!parsed.verify(&public, "POST", "/v3/x", "{\"total\":1}"));
        assert!(Authorization::parse("Bearer abc").is_none());
    }
}
