//! AWS-LC is built without its CPU-jitter entropy source (see
//! `.cargo/config.toml`): that source stalls the first TLS handshake of every
//! process for ~100 ms on a full core and several times that at a small
//! Lambda's CPU share. Deploy binaries are stripped, so the check reads this
//! test's own executable: an unstripped build of the same AWS-LC, from the same
//! build script and the same environment.

// Both names are stored reversed: written out, the literal itself would be in
// this executable and every search would find it.
/// An AWS-LC function that every build has.
const AWS_LC_SYMBOL: &[u8] = b"dnarsys_OTPYRC_";
/// Every function of the jitterentropy library is named `jent_...`.
const JITTER_SYMBOL: &[u8] = b"_tnej_";

fn contains(haystack: &[u8], reversed: &[u8]) -> bool {
    let needle: Vec<u8> = reversed.iter().rev().copied().collect();
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn aws_lc_is_built_without_the_jitter_entropy_source() {
    let exe = std::env::current_exe().expect("the test knows its executable");
    let bytes = std::fs::read(&exe).expect("the test executable is readable");
    // Proves the symbol table is there to read, so the check below can fail.
    assert!(
        contains(&bytes, AWS_LC_SYMBOL),
        "{} has no AWS-LC symbols: is it stripped?",
        exe.display()
    );
    assert!(
        !contains(&bytes, JITTER_SYMBOL),
        "AWS-LC was built with CPU-jitter entropy: AWS_LC_SYS_NO_JITTER_ENTROPY=1 \
         must reach aws-lc-sys' build script (.cargo/config.toml [env])"
    );
}

#[test]
fn the_flag_is_set_for_every_cargo_build_of_the_workspace() {
    let config: toml::Table = std::fs::read_to_string(crate::root().join(".cargo/config.toml"))
        .expect(".cargo/config.toml is readable")
        .parse()
        .expect(".cargo/config.toml is TOML");
    assert_eq!(
        config["env"]["AWS_LC_SYS_NO_JITTER_ENTROPY"].as_str(),
        Some("1"),
        "the [env] table sets the flag"
    );
}
