//! Constants of the JPKI certificate profile (docs/domain/jpki.md §2), production and test.
//!
//! Verifier tests need both sets: certificates under the `O=JPKI-TEST` roots
//! normally carry the test policy OIDs, but a spec can put the production
//! OIDs in to check that a verifier's test store refuses them (and vice versa).

use const_oid::ObjectIdentifier;

/// Policy of production 署名用 certificates, `sign-class20`
/// (docs/domain/jpki.md §2.3, \[A\]: copied from a real certificate by MynaWallet).
pub const POLICY_SIGN_PRODUCTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.1.20");

/// Policy of production 利用者証明用 certificates, `auth-class30`
/// (docs/domain/jpki.md §2.2, decoded from a real certificate).
pub const POLICY_AUTH_PRODUCTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.3.30");

/// Policy of test-card 署名用 certificates (docs/domain/jpki.md §2.3: documented for
/// JPKI test cards, \[B\]).
pub const POLICY_SIGN_TEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.20");

/// Policy of test-card 利用者証明用 certificates. **\[C\] assumption**: no
/// public source gives it; chosen by analogy with [`POLICY_SIGN_TEST`]
/// (docs/DECISIONS.md, "Test policy OID for the authentication certificate").
pub const POLICY_AUTH_TEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.30");

/// CPS pointer qualifier (RFC 5280 §4.2.1.4, `id-qt-cps`).
pub const ID_QT_CPS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.2.1");

/// The CPS URI in the certificatePolicies qualifier, as in real certificates
/// (docs/domain/jpki.md §2.2). Nothing fetches it; it is kept verbatim so that the test
/// certificates have the real shape.
pub const CPS_URI: &str = "http://www.jpki.go.jp/cps.html";

/// OCSP responder URI in the test auth certificates' authorityInfoAccess.
///
/// The real one is `http://ocspauthnorm.jpki.go.jp` (docs/domain/jpki.md §2.2). Ours is
/// under the reserved `.invalid` TLD (RFC 2606) so nothing can ever reach a
/// real responder. Its length is chosen so that `sato-hanako`'s auth
/// certificate is exactly 1,586 bytes, the size of the real one (docs/domain/jpki.md §1.5);
/// a test asserts that size. (With the real certificate's values — `O=JPKI`,
/// 公的個人認証サービス, the real OCSP URI and its Yokohama CRLDP — our encoder
/// gives exactly 1,586 bytes too: the structure matches byte for byte in size.)
pub const OCSP_URI: &str = "http://ocsp.jpki.invalid";

/// `id-ad-ocsp` (RFC 5280 §4.2.2.1).
pub const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// `id-kp-clientAuth` (RFC 5280 §4.2.1.12), the auth certificate's only EKU.
pub const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// jpki-pd-commonName: 氏名, 氏 U+3000 名 (docs/domain/jpki.md §2.4).
pub const PD_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.1");
/// jpki-pd-substituteCharacterOfCommonName: one `0`/`1` per 氏名 character.
pub const PD_SUBSTITUTE_COMMON_NAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.2");
/// jpki-pd-gender: `1` 男, `2` 女, `3` 不明.
pub const PD_GENDER: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.3");
/// jpki-pd-dateOfBirth: `EYYYYMMDD` (era code + Gregorian date).
pub const PD_DATE_OF_BIRTH: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.4");
/// jpki-pd-address: 住所 from the prefecture, ≤ 200 characters.
pub const PD_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.5");
/// jpki-pd-substituteCharacterOfAddress: one `0`/`1` per 住所 character.
pub const PD_SUBSTITUTE_ADDRESS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.6");

/// An extension no verifier knows, for "unknown critical extension" tests
/// (RFC 5280 §4.2: a verifier must reject a certificate with one). Under the
/// UUID arc 2.25 (ITU-T X.667), with an arc small enough for `const-oid`
/// (32 bits); nobody registers there, so it collides with no real extension.
pub const UNKNOWN_EXTENSION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.25.1847290451");

/// `O` of every test DN: real test cards chain to `O=JPKI-TEST` roots, which
/// differ from the production ones only in `O` and the policy OIDs
/// (docs/domain/jpki.md §2.1).
pub const ORGANIZATION: &str = "JPKI-TEST";

/// Last `OU` of the root DNs (docs/domain/jpki.md §2.1).
pub const AGENCY_OU: &str = "Japan Agency for Local Authority Information Systems";

/// Japanese `O` of the alt-name DirNames. The real one is 公的個人認証サービス
/// (docs/domain/jpki.md §2.1); ours carries the same `-TEST` marker as [`ORGANIZATION`].
pub const JA_ORGANIZATION: &str = "公的個人認証サービス-TEST";

/// Japanese agency `OU` of the alt-name DirNames (docs/domain/jpki.md §2.1).
pub const JA_AGENCY_OU: &str = "地方公共団体情報システム機構";

/// The maximum length of the 住所 attribute in characters (docs/domain/jpki.md §2.4).
pub const MAX_ADDRESS_CHARS: usize = 200;
