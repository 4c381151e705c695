//! Where to connect and how to secure it: a DSN parsed into tokio-postgres's
//! [`Config`] plus libpq's TLS settings, which tokio-postgres does not parse
//! itself (`sslmode=verify-ca|verify-full`, `sslrootcert`, `sslcert`, `sslkey`).
//!
//! TLS runs on rustls (ring provider) through tokio-postgres-rustls. The modes
//! follow libpq: `disable` never asks for TLS; `prefer` (the default) uses it
//! when the server offers it; `require` insists on it but does not check the
//! certificate (unless `sslrootcert` is given: then it acts as `verify-ca`);
//! `verify-ca` checks the chain against `sslrootcert`; `verify-full` checks the
//! chain and that the certificate names the host. `sslrootcert` is a PEM file,
//! or `system` for the platform's roots; without it `~/.postgresql/root.crt`
//! is used when it exists. A client certificate (`sslcert` and `sslkey`, PEM;
//! by default `~/.postgresql/postgresql.crt` and `postgresql.key` when both
//! exist) is presented to servers that ask for one; a key encrypted as PKCS#8
//! (`BEGIN ENCRYPTED PRIVATE KEY`) is decrypted with `sslpassword`. In the
//! verifying modes the server's certificate is also checked against the
//! certificate revocation lists of `sslcrl` (a PEM file) and `sslcrldir` (a
//! folder of PEM files), or `~/.postgresql/root.crl` when it exists; as with
//! libpq, a certificate whose issuer has no list there is refused.

use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
    UnixTime,
};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::SslMode as DriverSslMode;
use tokio_postgres::Config;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{PgError, Result};

/// libpq's `sslmode` values (`allow` is taken as `prefer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(PgError::Interface(format!(
                    "invalid DSN: sslmode={other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )))
            }
        })
    }
}

/// A parsed DSN: the driver's configuration and the TLS connector to use.
#[derive(Clone)]
pub struct Target {
    pub config: Config,
    pub ssl: SslMode,
    /// `None` with `sslmode=disable`.
    pub(crate) tls: Option<MakeRustlsConnect>,
}

impl Target {
    /// Parse a libpq DSN (`postgresql://...?sslmode=...` or `host=... sslmode=...`).
    pub fn parse(dsn: &str) -> Result<Target> {
        let (rest, options) = split_tls_options(dsn);
        let value = |name: &str| {
            options
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let mut config =
            Config::from_str(&rest).map_err(|e| PgError::Interface(format!("invalid DSN: {e}")))?;
        if config.get_application_name().is_none() {
            config.application_name("ouroboros.postgres");
        }
        let root = value("sslrootcert");
        let mut ssl = value("sslmode").map_or(Ok(SslMode::Prefer), |m| SslMode::parse(&m))?;
        if ssl == SslMode::Require && root.is_some() {
            ssl = SslMode::VerifyCa;
        }
        config.ssl_mode(match ssl {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        let identity = client_identity(value("sslcert"), value("sslkey"), value("sslpassword"))?;
        let revoked = Revocation {
            file: value("sslcrl"),
            dir: value("sslcrldir"),
        };
        let tls = match ssl {
            SslMode::Disable => None,
            mode => Some(MakeRustlsConnect::new(client_config(
                mode,
                root.as_deref(),
                &revoked,
                identity,
            )?)),
        };
        Ok(Target { config, ssl, tls })
    }
}

/// Take the TLS options this module handles out of a DSN; the rest goes to tokio-postgres.
fn split_tls_options(dsn: &str) -> (String, Vec<(String, String)>) {
    const OURS: [&str; 7] = [
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslpassword",
        "sslcrl",
        "sslcrldir",
    ];
    let mut taken = Vec::new();
    let trimmed = dsn.trim();
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        let Some((base, query)) = trimmed.split_once('?') else {
            return (trimmed.to_owned(), taken);
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if OURS.contains(&k) {
                taken.push((k.to_owned(), percent_decode(v)));
            } else {
                kept.push(pair);
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (rest, taken);
    }
    // key=value pairs; a value may be single-quoted with backslash escapes.
    let bytes = trimmed.as_bytes();
    let mut rest = String::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &trimmed[start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b'\'' {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                    }
                    let ch = trimmed[i..].chars().next().unwrap_or_default();
                    value.push(ch);
                    i += ch.len_utf8();
                }
                i += 1;
            } else {
                let vstart = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                value.push_str(&trimmed[vstart..i]);
            }
        }
        if key.is_empty() {
            continue;
        }
        if OURS.contains(&key) {
            taken.push((key.to_owned(), value));
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(trimmed[start..i.min(trimmed.len())].trim());
        }
    }
    (rest, taken)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_error(e: impl std::fmt::Display) -> PgError {
    PgError::Interface(format!("cannot set up TLS: {e}"))
}

/// A client certificate chain and its private key (`sslcert` / `sslkey`).
type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate to present: `sslcert` and `sslkey` (PEM files), or
/// libpq's defaults `~/.postgresql/postgresql.crt` / `postgresql.key` when both exist.
fn client_identity(
    cert: Option<String>,
    key: Option<String>,
    password: Option<String>,
) -> Result<Option<Identity>> {
    let home = || std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".postgresql"));
    let (cert, key) = match (cert, key) {
        (None, None) => match home() {
            Some(dir)
                if dir.join("postgresql.crt").exists() && dir.join("postgresql.key").exists() =>
            {
                (dir.join("postgresql.crt"), dir.join("postgresql.key"))
            }
            _ => return Ok(None),
        },
        (Some(c), Some(k)) => (c.into(), k.into()),
        (Some(c), None) => {
            return Err(tls_error(format!(
                "sslcert={c} needs sslkey=<its private key file> (PEM)"
            )))
        }
        (None, Some(k)) => {
            return Err(tls_error(format!(
                "sslkey={k} needs sslcert=<the certificate file> (PEM)"
            )))
        }
    };
    let shown = cert.display();
    let chain = CertificateDer::pem_file_iter(&cert)
        .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
        .map_err(|e| tls_error(format!("cannot read sslcert {shown}: {e}")))?;
    if chain.is_empty() {
        return Err(tls_error(format!("sslcert {shown} holds no certificate")));
    }
    let private = read_key(&key, password.as_deref())?;
    Ok(Some((chain, private)))
}

/// The private key of `path` (PEM), decrypted with `password` when it is an
/// encrypted PKCS#8 key.
fn read_key(path: &std::path::Path, password: Option<&str>) -> Result<PrivateKeyDer<'static>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| tls_error(format!("cannot read sslkey {shown}: {e}")))?;
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let Some(password) = password else {
            return Err(tls_error(format!(
                "sslkey {shown} is encrypted: give its password as sslpassword"
            )));
        };
        let start = text
            .find("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            .unwrap_or(0);
        let (_, document) = pkcs8::SecretDocument::from_pem(&text[start..])
            .map_err(|e| tls_error(format!("cannot read sslkey {shown}: {e}")))?;
        let encrypted = pkcs8::EncryptedPrivateKeyInfo::try_from(document.as_bytes())
            .map_err(|e| tls_error(format!("cannot read sslkey {shown}: {e}")))?;
        let plain = encrypted.decrypt(password).map_err(|e| {
            tls_error(format!(
                "cannot decrypt sslkey {shown} with sslpassword (wrong password?): {e}"
            ))
        })?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            plain.as_bytes().to_vec(),
        )));
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(tls_error(format!(
            "sslkey {shown} is encrypted in OpenSSL's legacy PEM form, which is not supported; \
             convert it to PKCS#8: openssl pkcs8 -topk8 -in {shown} -out key.p8 (then sslkey=key.p8)"
        )));
    }
    PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| {
        tls_error(format!(
            "cannot read sslkey {shown}: {e} (a PEM private key is expected)"
        ))
    })
}

/// Where certificate revocation lists come from (`sslcrl`, `sslcrldir`).
struct Revocation {
    file: Option<String>,
    dir: Option<String>,
}

impl Revocation {
    /// Every list of the file and the folder, or of `~/.postgresql/root.crl`
    /// when neither is given and it exists.
    fn load(&self) -> Result<Vec<CertificateRevocationListDer<'static>>> {
        let mut files = Vec::new();
        match (&self.file, &self.dir) {
            (None, None) => {
                if let Some(home) = std::env::var_os("HOME") {
                    let default = std::path::PathBuf::from(home)
                        .join(".postgresql")
                        .join("root.crl");
                    if default.exists() {
                        files.push(default);
                    }
                }
            }
            (file, dir) => {
                files.extend(file.iter().map(std::path::PathBuf::from));
                if let Some(dir) = dir {
                    let entries = std::fs::read_dir(dir)
                        .map_err(|e| tls_error(format!("cannot read sslcrldir {dir}: {e}")))?;
                    let mut found: Vec<_> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file())
                        .collect();
                    found.sort();
                    files.extend(found);
                }
            }
        }
        let mut lists = Vec::new();
        for path in files {
            let shown = path.display();
            let read = CertificateRevocationListDer::pem_file_iter(&path)
                .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
                .map_err(|e| tls_error(format!("cannot read the revocation list {shown}: {e}")))?;
            if read.is_empty() && self.dir.is_none() {
                return Err(tls_error(format!(
                    "sslcrl {shown} holds no certificate revocation list (PEM)"
                )));
            }
            lists.extend(read);
        }
        Ok(lists)
    }
}

fn client_config(
    mode: SslMode,
    root: Option<&str>,
    revoked: &Revocation,
    identity: Option<Identity>,
) -> Result<ClientConfig> {
    let provider = provider();
    let check = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => None,
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = load_roots(mode, root)?;
            let lists = revoked.load()?;
            let mut builder =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            if !lists.is_empty() {
                // libpq (OpenSSL's CRL_CHECK): the server's own certificate
                // must be covered by a current list of its issuer.
                builder = builder
                    .with_crls(lists)
                    .only_check_end_entity_revocation()
                    .enforce_revocation_expiration();
            }
            Some(builder.build().map_err(tls_error)?)
        }
    };
    let verifier = Verifier {
        check,
        names: mode == SslMode::VerifyFull,
        provider: provider.clone(),
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| tls_error(format!("the client certificate or key is unusable: {e}"))),
    }
}

fn load_roots(mode: SslMode, root: Option<&str>) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    let name = if mode == SslMode::VerifyFull {
        "verify-full"
    } else {
        "verify-ca"
    };
    let path = match root {
        Some("system") => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(tls_error(
                    "sslrootcert=system found no certificates on this system",
                ));
            }
            return Ok(roots);
        }
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let default = std::env::var_os("HOME").map(|h| {
                std::path::PathBuf::from(h)
                    .join(".postgresql")
                    .join("root.crt")
            });
            match default {
                Some(p) if p.exists() => p,
                _ => {
                    return Err(tls_error(format!(
                        "sslmode={name} checks the server's certificate: set sslrootcert=<CA file> (PEM) or sslrootcert=system"
                    )))
                }
            }
        }
    };
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(&path)
        .map_err(|e| tls_error(format!("cannot read sslrootcert {shown}: {e}")))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| tls_error(format!("cannot read sslrootcert {shown}: {e}")))?;
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| tls_error(format!("sslrootcert {shown}: {e}")))?;
    }
    if roots.is_empty() {
        return Err(tls_error(format!(
            "sslrootcert {shown} holds no certificate"
        )));
    }
    Ok(roots)
}

/// How the server's certificate is checked: not at all for `prefer` /
/// `require` (libpq's meaning: encryption without checking who answers),
/// the chain for `verify-ca`, chain and host name for `verify-full`. The
/// handshake signatures are verified in every mode.
#[derive(Debug)]
struct Verifier {
    check: Option<Arc<WebPkiServerVerifier>>,
    /// Whether the certificate must name the host (`verify-full`).
    names: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.check else {
            return Ok(ServerCertVerified::assertion());
        };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_come_out_of_both_dsn_forms() {
        let (rest, taken) = split_tls_options(
            "postgresql://u@h:5/db?application_name=x&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem",
        );
        assert_eq!(rest, "postgresql://u@h:5/db?application_name=x");
        assert_eq!(
            taken,
            [
                ("sslmode".to_owned(), "verify-full".to_owned()),
                ("sslrootcert".to_owned(), "/tmp/ca.pem".to_owned())
            ]
        );
        let (rest, taken) =
            split_tls_options("host=h port=5 sslmode = require sslrootcert='/a b/c\\'d' user=u");
        assert_eq!(rest, "host=h port=5 user=u");
        assert_eq!(taken[0].1, "require");
        assert_eq!(taken[1].1, "/a b/c'd");
    }

    #[test]
    fn modes_are_checked() {
        let t = Target::parse("postgresql://u@h/db").unwrap();
        assert_eq!(t.ssl, SslMode::Prefer);
        assert!(t.tls.is_some());
        let t = Target::parse("postgresql://u@h/db?sslmode=disable").unwrap();
        assert!(t.tls.is_none());
        let e = Target::parse("postgresql://u@h/db?sslmode=sometimes")
            .err()
            .unwrap();
        assert!(e.to_string().contains("sslmode=\"sometimes\""), "{e}");
        let e = Target::parse("host=h sslmode=verify-full sslrootcert=/nonexistent/ca.pem")
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("cannot read sslrootcert /nonexistent/ca.pem"),
            "{e}"
        );
        let e = Target::parse("host=h sslcert=/x").err().unwrap();
        assert!(e.to_string().contains("sslcert=/x needs sslkey"), "{e}");
        let e = Target::parse("host=h sslcert=/nonexistent/c.pem sslkey=/nonexistent/k.pem")
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("cannot read sslcert /nonexistent/c.pem"),
            "{e}"
        );
        // A password without a key is ignored (libpq's behaviour).
        assert!(Target::parse("host=h sslpassword=x").is_ok());
    }
}
