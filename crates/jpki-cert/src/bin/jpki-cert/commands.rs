//! The command bodies: read files, call the library, print JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jpki_cert::crl::{CrlIndex, CrlIndexBuilder};
use jpki_cert::{
    Environment, JpkiCertificate, NoRevocationCheck, Purpose, RevocationCheck, SignIdentity,
    TrustStore, UnixTime, Verdict, Verifier,
};
use serde_json::json;

type Result<T> = std::result::Result<T, String>;

pub struct VerifyArgs {
    pub cert: PathBuf,
    pub purpose: Purpose,
    pub anchors: Option<PathBuf>,
    pub test_roots: bool,
    pub crls: Vec<PathBuf>,
    pub index: Option<PathBuf>,
    pub no_revocation: bool,
    pub at: Option<String>,
    pub challenge: Option<(PathBuf, PathBuf)>,
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn print(v: &impl serde::Serialize) -> Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    println!("{s}");
    Ok(())
}

fn store(purpose: Purpose, anchors: Option<&Path>, test: bool) -> Result<TrustStore> {
    let env = if test {
        Environment::Test
    } else {
        Environment::Production
    };
    match anchors {
        Some(dir) => TrustStore::from_dir(purpose, env, dir),
        None => TrustStore::production(purpose),
    }
    .map_err(|e| e.to_string())
}

fn time(at: Option<&str>) -> Result<UnixTime> {
    match at {
        Some(s) => s
            .parse()
            .map_err(|e: jpki_cert::time::TimeParseError| e.to_string()),
        None => Ok(UnixTime::from_system_time(std::time::SystemTime::now())),
    }
}

/// A CRL file that could not be used becomes a warning; its scope then stays unknown.
fn index_from_crls(
    crls: &[PathBuf],
    stores: &[&TrustStore],
) -> Result<(CrlIndex, Vec<serde_json::Value>)> {
    let mut b = CrlIndexBuilder::new();
    let mut report = Vec::new();
    for path in crls {
        match b.add_crl_file(path, stores) {
            Ok(a) => report.push(json!({"file": path, "root": a.root, "scope": a.scope,
                "entries": a.entries, "used": a.used})),
            Err(e) => report.push(json!({"file": path, "error": e.to_string()})),
        }
    }
    let mut bytes = Vec::new();
    b.write_to(&mut bytes).map_err(|e| e.to_string())?;
    Ok((
        CrlIndex::from_bytes(bytes).map_err(|e| e.to_string())?,
        report,
    ))
}

pub fn verify(a: VerifyArgs) -> Result<ExitCode> {
    let at = time(a.at.as_deref())?;
    let st = store(a.purpose, a.anchors.as_deref(), a.test_roots)?;
    let bytes = read(&a.cert)?;
    let der = match JpkiCertificate::from_pem_or_der(&bytes) {
        Ok(c) => c.der().to_vec(),
        Err(_) => bytes, // let the verifier produce the `malformed` verdict
    };
    let verifier = Verifier::new(st);
    let (rev, crl_report): (Box<dyn RevocationCheck>, _) = if let Some(path) = &a.index {
        (
            Box::new(CrlIndex::open(path).map_err(|e| format!("{}: {e}", path.display()))?),
            None,
        )
    } else if !a.crls.is_empty() {
        let (idx, report) = index_from_crls(&a.crls, &[verifier.store()])?;
        (Box::new(idx), Some(report))
    } else if a.no_revocation {
        (Box::new(NoRevocationCheck), None)
    } else {
        return Err("give --crl FILE, --index FILE, or --no-revocation".into());
    };
    let verdict = match &a.challenge {
        Some((c, s)) => {
            verifier.verify_identification(&der, &read(c)?, &read(s)?, at, rev.as_ref())
        }
        None => verifier.verify(&der, at, rev.as_ref()),
    };
    let mut out = serde_json::to_value(&verdict).map_err(|e| e.to_string())?;
    if let (Some(report), Some(obj)) = (crl_report, out.as_object_mut()) {
        obj.insert("crls".into(), report.into());
    }
    if let Some(obj) = out.as_object_mut() {
        obj.insert("at".into(), json!(at.to_string()));
    }
    print(&out)?;
    Ok(match verdict {
        Verdict::Accepted(_) => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

pub fn index_build(
    out: &Path,
    anchors: Option<&Path>,
    test: bool,
    crls: &[PathBuf],
) -> Result<ExitCode> {
    let stores: Vec<TrustStore> = [Purpose::Auth, Purpose::Sign]
        .into_iter()
        .filter_map(|p| store(p, anchors, test).ok())
        .collect();
    if stores.is_empty() {
        return Err("no trust anchors of either purpose".into());
    }
    let refs: Vec<&TrustStore> = stores.iter().collect();
    let mut b = CrlIndexBuilder::new();
    let mut report = Vec::new();
    let mut failed = false;
    for path in crls {
        match b.add_crl_file(path, &refs) {
            Ok(a) => report.push(json!({"file": path, "root": a.root, "scope": a.scope,
                "entries": a.entries, "used": a.used})),
            Err(e) => {
                failed = true;
                report.push(json!({"file": path, "error": e.to_string()}));
            }
        }
    }
    b.write_atomic(out)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    print(&json!({"index": out, "crls": report}))?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn index_query(index: &Path, serial: Option<&str>) -> Result<ExitCode> {
    let idx = CrlIndex::open(index).map_err(|e| format!("{}: {e}", index.display()))?;
    let scopes: Vec<_> = idx
        .scopes()
        .iter()
        .map(|s| {
            json!({"issuer_key": hex::encode(s.issuer_key), "scope": s.name,
            "this_update": s.this_update, "next_update": s.next_update, "entries": s.entries})
        })
        .collect();
    let Some(serial) = serial else {
        print(&json!({"revoked_serials": idx.len(), "crls": scopes}))?;
        return Ok(ExitCode::SUCCESS);
    };
    let bytes = hex::decode(serial.trim_start_matches("0x")).map_err(|e| format!("serial: {e}"))?;
    let mut keys: Vec<[u8; 32]> = idx.scopes().iter().map(|s| s.issuer_key).collect();
    keys.dedup();
    let hits: Vec<_> = keys
        .iter()
        .filter_map(|k| idx.lookup(k, &bytes).map(|r| (k, r)))
        .map(|(k, r)| {
            json!({"issuer_key": hex::encode(k), "revoked_at": r.revoked_at,
            "reason": r.reason})
        })
        .collect();
    let revoked = !hits.is_empty();
    print(&json!({"serial": hex::encode(&bytes), "revoked": revoked, "entries": hits}))?;
    Ok(if revoked {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn decode(path: &Path) -> Result<ExitCode> {
    let cert = JpkiCertificate::from_pem_or_der(&read(path)?).map_err(|e| e.to_string())?;
    let identity = SignIdentity::from_certificate(&cert);
    let profile = cert.claimed_profile();
    print(&json!({
        "subject": cert.subject().to_string(),
        "issuer": cert.issuer().to_string(),
        "serial": cert.serial_hex(),
        "not_before": cert.not_before(),
        "not_after": cert.not_after(),
        "purpose": profile.map(|p| p.0),
        "environment": profile.map(|p| p.1),
        "identity": identity.as_ref().ok(),
        "identity_error": identity.as_ref().err(),
    }))?;
    Ok(if identity.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
