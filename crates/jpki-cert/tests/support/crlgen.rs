//! A fast streaming DER CRL generator for tests and benchmarks: entries come from a
//! function of their index, lengths are computed in a first pass, and the tbsCertList is
//! hashed while it is written, so a 10-million-entry CRL needs no memory beyond buffers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Write};

use jpki_cert::UnixTime;
use sha2::{Digest, Sha256};

/// One entry: serial content octets (minimal DER INTEGER), revocation time, reason.
pub struct GenEntry {
    pub serial: Vec<u8>,
    pub revoked_at: UnixTime,
    pub reason: Option<u8>,
}

/// What the CRL says besides its entries.
pub struct GenSpec {
    /// DER of the issuer Name.
    pub issuer: Vec<u8>,
    /// authorityKeyIdentifier keyIdentifier.
    pub aki: Option<Vec<u8>>,
    /// DER of the issuingDistributionPoint DirName.
    pub idp: Option<Vec<u8>>,
    pub this_update: UnixTime,
    pub next_update: Option<UnixTime>,
    pub crl_number: u64,
}

fn len_bytes(len: usize) -> Vec<u8> {
    if len < 0x80 {
        vec![len as u8]
    } else {
        let b = (len as u64).to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count();
        let mut out = vec![0x80 | (8 - skip) as u8];
        out.extend_from_slice(&b[skip..]);
        out
    }
}

fn tlv_len(content: usize) -> usize {
    1 + len_bytes(content).len() + content
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(len_bytes(content.len()));
    v.extend_from_slice(content);
    v
}

/// UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §5.1.2.4).
pub fn time(t: UnixTime) -> Vec<u8> {
    let s: String = t.to_string().chars().filter(char::is_ascii_digit).collect();
    if (1950..2050).contains(&s[..4].parse::<i32>().unwrap()) {
        tlv(0x17, format!("{}Z", &s[2..]).as_bytes())
    } else {
        tlv(0x18, format!("{s}Z").as_bytes())
    }
}

/// A positive INTEGER's minimal content octets.
pub fn serial_bytes(v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(7);
    let mut out = b[skip..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

fn entry_der(e: &GenEntry) -> Vec<u8> {
    let mut c = tlv(0x02, &e.serial);
    c.extend(time(e.revoked_at));
    if let Some(r) = e.reason {
        let ext = [tlv(0x06, &[0x55, 0x1d, 0x15]), tlv(0x04, &[0x0a, 0x01, r])].concat();
        c.extend(tlv(0x30, &tlv(0x30, &ext)));
    }
    tlv(0x30, &c)
}

fn crl_extensions(spec: &GenSpec) -> Vec<u8> {
    let mut exts = Vec::new();
    if let Some(k) = &spec.aki {
        let v = tlv(0x30, &tlv(0x80, k));
        exts.extend(tlv(
            0x30,
            &[tlv(0x06, &[0x55, 0x1d, 0x23]), tlv(0x04, &v)].concat(),
        ));
    }
    let n = tlv(0x02, &serial_bytes(spec.crl_number));
    exts.extend(tlv(
        0x30,
        &[tlv(0x06, &[0x55, 0x1d, 0x14]), tlv(0x04, &n)].concat(),
    ));
    if let Some(dn) = &spec.idp {
        // IDP ::= SEQUENCE { [0] { fullName [0] { directoryName [4] Name } } }
        let v = tlv(0x30, &tlv(0xa0, &tlv(0xa0, &tlv(0xa4, dn))));
        let crit = tlv(0x01, &[0xff]);
        exts.extend(tlv(
            0x30,
            &[tlv(0x06, &[0x55, 0x1d, 0x1c]), crit, tlv(0x04, &v)].concat(),
        ));
    }
    tlv(0xa0, &tlv(0x30, &exts))
}

struct Hashing<'a, W: Write> {
    w: &'a mut W,
    h: &'a mut Sha256,
}

impl<W: Write> Hashing<'_, W> {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.h.update(b);
        self.w.write_all(b)
    }
}

/// Writes a signed CRL of `n` entries (`entry(i)` for i in 0..n) with `sign(digest)`
/// producing the PKCS#1 v1.5 signature over the tbsCertList SHA-256.
pub fn write_crl<W: Write>(
    w: &mut W,
    spec: &GenSpec,
    n: u64,
    entry: impl Fn(u64) -> GenEntry,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> io::Result<()> {
    let alg = tlv(
        0x30,
        &[
            tlv(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let mut head = tlv(0x02, &[1]);
    head.extend(&alg);
    head.extend(&spec.issuer);
    head.extend(time(spec.this_update));
    if let Some(t) = spec.next_update {
        head.extend(time(t));
    }
    let list_len: usize = (0..n).map(|i| entry_der(&entry(i)).len()).sum();
    let exts = crl_extensions(spec);
    let list_tlv = if n > 0 { tlv_len(list_len) } else { 0 };
    let tbs_content = head.len() + list_tlv + exts.len();
    let sig_len = 257; // RSA-2048 + unused-bits octet
    let outer = tlv_len(tbs_content) + alg.len() + tlv_len(sig_len);
    w.write_all(&[0x30])?;
    w.write_all(&len_bytes(outer))?;
    let mut h = Sha256::new();
    {
        let mut hw = Hashing { w, h: &mut h };
        hw.put(&[0x30])?;
        hw.put(&len_bytes(tbs_content))?;
        hw.put(&head)?;
        if n > 0 {
            hw.put(&[0x30])?;
            hw.put(&len_bytes(list_len))?;
            for i in 0..n {
                hw.put(&entry_der(&entry(i)))?;
            }
        }
        hw.put(&exts)?;
    }
    let sig = sign(&h.finalize());
    assert_eq!(sig.len() + 1, sig_len, "the generator assumes RSA-2048");
    w.write_all(&alg)?;
    w.write_all(&[0x03])?;
    w.write_all(&len_bytes(sig_len))?;
    w.write_all(&[0])?;
    w.write_all(&sig)?;
    w.flush()
}

/// Signs a SHA-256 digest with PKCS#1 v1.5.
pub fn rsa_signer(key: &rsa::PrivateKey) -> impl FnOnce(&[u8]) -> Vec<u8> + '_ {
    move |digest| {
        key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), digest)
            .unwrap()
    }
}

/// The i-th of a set of distinct 4-byte JPKI-like serials in scrambled order
/// (multiplication by an odd constant is a bijection modulo 2^30).
pub fn scrambled_serial(i: u64) -> u64 {
    0x0400_0000 + (i.wrapping_mul(0x9e37_79b1) & 0x3fff_ffff)
}
