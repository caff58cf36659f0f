//! The committed files and the generator that makes them, byte for byte the
//! same on every run (keys are derived from labels, RSA PKCS#1 v1.5
//! signatures are deterministic, and no clock is read).
//!
//! Paths are relative to the workspace root: `crates/testkit/fixtures/…` and
//! `assets/personas/<id>.toml`.

use std::path::{Path, PathBuf};

use der::DateTime;
use x509_cert::ext::pkix::CrlReason;

use crate::crl::{CrlEntry, CrlSpec};
use crate::date::Date;
use crate::dn::{Municipality, Purpose};
use crate::error::{Error, Result};
use crate::key::TestKey;
use crate::personas::{PERSONAS, def};
use crate::pki::{self, Pki};
use crate::readme;
use crate::root::Generation;

/// Fixtures directory relative to the workspace root.
pub const FIXTURES_DIR: &str = "crates/testkit/fixtures";

/// Personas directory relative to the workspace root.
pub const PERSONAS_DIR: &str = "assets/personas";

/// The persona whose certificates the committed CRLs revoke.
const REVOKED_PERSONA: &str = "yamamoto-shota";

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Exact contents.
    pub contents: Vec<u8>,
    /// What the file is, for the fixtures' README.
    pub description: String,
}

/// A committed file that does not match the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The generator makes it but it is not on disk.
    Missing(PathBuf),
    /// On disk with other contents.
    Different(PathBuf),
    /// On disk in a generated directory, but the generator no longer makes it.
    Unexpected(PathBuf),
}

/// The municipality of the committed CRLs: 横浜市中区, the partition of the
/// real certificate in docs/domain/jpki.md §2.2 and of the revoked persona.
pub fn committed_crl_municipality() -> Municipality {
    Municipality::new("Kanagawa-ken", "Yokohama-shi-Naka-ku")
}

/// Committed CRL file of `purpose` for `municipality`, relative to the
/// fixtures directory, e.g. `crl/auth-kanagawa-ken-yokohama-shi-naka-ku.crl`.
pub fn crl_file(purpose: Purpose, municipality: &Municipality) -> PathBuf {
    PathBuf::from(format!(
        "crl/{}-{}.crl",
        purpose.short(),
        municipality.slug()
    ))
}

fn utc(y: u16, m: u8, d: u8, hh: u8, mm: u8, ss: u8) -> Result<DateTime> {
    Date::new(y, m, d)?.at_utc(hh, mm, ss)
}

/// The specs of the committed CRLs: G3's auth and sign CRLs for
/// [`committed_crl_municipality`]. thisUpdate 2026-11-21 00:00 JST; nextUpdate
/// five years later on purpose (real CRLs last a day, docs/domain/jpki.md §2.5), so the
/// fixture does not go stale; tests pass their own `now`.
pub fn committed_crl_specs() -> Result<Vec<CrlSpec>> {
    let revoked = def(REVOKED_PERSONA).ok_or(Error::Spec {
        field: "REVOKED_PERSONA",
        problem: "names no persona".to_owned(),
    })?;
    let this_update = utc(2026, 11, 20, 15, 0, 0)?;
    let next_update = utc(2031, 11, 20, 15, 0, 0)?;
    let revoked_at = utc(2026, 10, 15, 2, 30, 0)?;
    let mut specs = Vec::new();
    for purpose in Purpose::ALL {
        let (other, persona_serial, persona_reason) = match purpose {
            Purpose::Auth => (
                // Someone else's renewed certificate (更新).
                (
                    0x0631_0F10,
                    utc(2026, 5, 1, 1, 0, 0)?,
                    CrlReason::Superseded,
                ),
                revoked.auth_serial,
                CrlReason::KeyCompromise,
            ),
            Purpose::Sign => (
                // Someone else's certificate no longer needed.
                (
                    0x0631_0F11,
                    utc(2026, 3, 3, 6, 0, 0)?,
                    CrlReason::CessationOfOperation,
                ),
                revoked.sign_serial,
                CrlReason::AffiliationChanged,
            ),
        };
        let mut spec = CrlSpec::new(
            purpose,
            Generation::CURRENT,
            committed_crl_municipality(),
            this_update,
        )?;
        spec.next_update = Some(next_update);
        spec.crl_number = 20_261_121;
        spec.entries = vec![
            CrlEntry {
                serial: other.0,
                revocation_date: other.1,
                reason: Some(other.2),
            },
            CrlEntry {
                serial: persona_serial,
                revocation_date: revoked_at,
                reason: Some(persona_reason),
            },
        ];
        specs.push(spec);
    }
    Ok(specs)
}

fn text(path: PathBuf, contents: String, description: String) -> GeneratedFile {
    GeneratedFile {
        path,
        contents: contents.into_bytes(),
        description,
    }
}

fn assemble_pem(der: &[u8]) -> Result<String> {
    crate::assemble::to_pem("CERTIFICATE", der)
}

fn root_era(generation: Generation) -> &'static str {
    match generation {
        Generation::G1 => "gen-1, 2015-10-20 → 2025-10-19: expired",
        Generation::G2 => "gen-2, 2019-09-14 → 2029-09-14: the older valid generation",
        Generation::G3 => "gen-3, 2023-07-16 → 2033-07-15: the current generation",
    }
}

/// Generates every committed file from scratch (derives all RSA keys: a few
/// seconds with the bigint crates optimised).
pub fn generate_all() -> Result<Vec<GeneratedFile>> {
    let pki = Pki::generate()?;
    let fixtures = Path::new(FIXTURES_DIR);
    let mut files = Vec::new();
    for root in pki.roots() {
        let (p, g) = (root.purpose(), root.generation());
        let what = format!("{} root ({})", p.ja_service_ou(), root_era(g));
        files.push(text(
            fixtures.join(pki::root_certificate_file(p, g)),
            root.pem()?,
            format!("certificate of the {what}"),
        ));
        files.push(text(
            fixtures.join(pki::root_key_file(p, g)),
            root.key().to_pkcs8_pem()?,
            format!("PKCS#8 private key of the {what}"),
        ));
    }
    files.push(text(
        fixtures.join(pki::extra_key_file(pki.spare_key().label())),
        pki.spare_key().to_pkcs8_pem()?,
        "PKCS#8 key for ad-hoc end-entity certificates (`Pki::spare_key`, the default \
         subject key of `CertSpec`)"
            .to_owned(),
    ));
    files.push(text(
        fixtures.join(pki::extra_key_file(pki.rogue_key().label())),
        pki.rogue_key().to_pkcs8_pem()?,
        "PKCS#8 key of no root (`Pki::rogue_key`): bad signatures, wrong key identifiers"
            .to_owned(),
    ));
    for bad in crate::bad_roots::bad_roots()? {
        files.push(text(
            fixtures.join("bad-roots").join(bad.file),
            assemble_pem(&bad.der)?,
            format!(
                "a root named like J-LIS's that does not fit the J-LIS root profile: {} \
                 (refused by `madoguchi-platform roots add`)",
                bad.flaw
            ),
        ));
    }
    let added = crate::added_root::AddedRoot::generate()?;
    files.push(text(
        fixtures.join(crate::added_root::CERTIFICATE_FILE),
        added.pem()?,
        "a root in the J-LIS root profile (O=JPKI, RSA-2048, 2023-07-16 → 2033-07-15, CA) \
         that is compiled in nowhere (`AddedRoot`): the root the tests add, trusted by no \
         store until then"
            .to_owned(),
    ));
    files.push(text(
        fixtures.join(crate::added_root::KEY_FILE),
        added.key().to_pkcs8_pem()?,
        "PKCS#8 key of the added root (`AddedRoot::key`): certificates the tests issue under \
         it (`CertSpec::issue_under`)"
            .to_owned(),
    ));
    for spec in committed_crl_specs()? {
        let municipality = spec
            .distribution_point
            .clone()
            .unwrap_or_else(committed_crl_municipality);
        let entries: Vec<String> = spec
            .entries
            .iter()
            .map(|e| match e.reason {
                Some(reason) => format!("{:08X} {reason:?}", e.serial),
                None => format!("{:08X}", e.serial),
            })
            .collect();
        files.push(GeneratedFile {
            path: fixtures.join(crl_file(spec.purpose, &municipality)),
            contents: spec.build(&pki)?,
            description: format!(
                "CRL (DER) of {} for {}/{}, by the gen-3 root, issuingDistributionPoint = that \
                 CRLDP DirName, thisUpdate {}, nextUpdate {}, CRL number {}; revoked: {} \
                 ({REVOKED_PERSONA}'s certificate is the second)",
                spec.purpose.ja_service_ou(),
                municipality.prefecture,
                municipality.city,
                spec.this_update,
                spec.next_update.map(|t| t.to_string()).unwrap_or_default(),
                spec.crl_number,
                entries.join(", "),
            ),
        });
    }
    for def in &PERSONAS {
        let auth_key = TestKey::derive(&def.key_label(Purpose::Auth))?;
        let sign_key = match def.sign_password {
            Some(_) => TestKey::derive(&def.key_label(Purpose::Sign))?,
            // No signature certificate: no key to derive.
            None => auth_key.clone(),
        };
        let persona = def.build(&pki, &auth_key, &sign_key)?;
        let path = Path::new(PERSONAS_DIR).join(format!("{}.toml", def.id));
        files.push(text(
            path,
            persona.to_toml()?,
            format!("persona `{}` ({})", def.id, def.label),
        ));
    }
    let readme = readme::render(&files, &PERSONAS)?;
    files.push(text(
        fixtures.join("README.md"),
        readme,
        "this file".to_owned(),
    ));
    Ok(files)
}

/// Writes `files` under `workspace_root` and removes files in the generated
/// directories that the generator no longer makes. Returns the removed ones.
pub fn write_all(workspace_root: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>> {
    for file in files {
        let path = workspace_root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                action: "create directory",
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&path, &file.contents).map_err(|source| Error::Io {
            action: "write",
            path: path.clone(),
            source,
        })?;
    }
    let mut removed = Vec::new();
    for extra in unexpected_files(workspace_root, files)? {
        let path = workspace_root.join(&extra);
        std::fs::remove_file(&path).map_err(|source| Error::Io {
            action: "remove",
            path,
            source,
        })?;
        removed.push(extra);
    }
    Ok(removed)
}

/// Compares `files` with what is on disk under `workspace_root`.
pub fn drift(workspace_root: &Path, files: &[GeneratedFile]) -> Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for file in files {
        match std::fs::read(workspace_root.join(&file.path)) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(_) => drift.push(Drift::Different(file.path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                drift.push(Drift::Missing(file.path.clone()));
            }
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path: workspace_root.join(&file.path),
                    source,
                });
            }
        }
    }
    drift.extend(
        unexpected_files(workspace_root, files)?
            .into_iter()
            .map(Drift::Unexpected),
    );
    Ok(drift)
}

/// Files under the fixtures directory, and `*.toml` in the personas
/// directory, that are not in `files`.
fn unexpected_files(workspace_root: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    list_files(workspace_root, Path::new(FIXTURES_DIR), &mut found)?;
    let mut personas = Vec::new();
    list_files(workspace_root, Path::new(PERSONAS_DIR), &mut personas)?;
    found.extend(
        personas
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "toml")),
    );
    found.retain(|p| !files.iter().any(|f| &f.path == p));
    found.sort();
    Ok(found)
}

fn list_files(workspace_root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let full = workspace_root.join(dir);
    let entries = match std::fs::read_dir(&full) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Io {
                action: "list",
                path: full,
                source,
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            action: "list",
            path: full.clone(),
            source,
        })?;
        let relative = dir.join(entry.file_name());
        if entry.path().is_dir() {
            list_files(workspace_root, &relative, out)?;
        } else {
            out.push(relative);
        }
    }
    Ok(())
}
