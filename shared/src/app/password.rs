//! Passwords, hashed with argon2id at OWASP's recommended cost, on the
//! blocking pool so hashing never stalls the runtime.

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicU64, Ordering},
};

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{
        self, Decimal, Ident, Output, ParamsString, Salt, SaltString, rand_core::OsRng,
    },
};

use crate::ground::{error::ApiError, telemetry::names};

fn hasher() -> Hasher {
    hasher_with(&MEMORY)
}

fn hasher_with(memory: &'static MemoryPool) -> Hasher {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Hasher::new(Algorithm::Argon2id, Version::V0x13, params, memory)
}

/// argon2 whose working memory (19 MiB at the parameters above) is kept
/// between hashes instead of allocated for each. Allocated per hash, as the
/// `argon2` crate does, the freed memory stayed with the allocator rather
/// than going back to the system: `register-user` peaked at 219–427 MiB in
/// the benchmark, 29 MiB with the memory kept. Kept, it is one block per
/// hash running at once: one in Lambda, which sends a function one request
/// at a time.
///
/// Verification comes from `password_hash`'s blanket [`PasswordVerifier`],
/// which hashes again through [`PasswordHasher::hash_password_customized`]
/// with the stored hash's parameters and compares in constant time.
struct Hasher {
    algorithm: Algorithm,
    version: Version,
    argon2: Argon2<'static>,
    memory: &'static MemoryPool,
}

/// Working memory of finished hashes, waiting for the next.
struct MemoryPool(Mutex<Vec<Vec<Block>>>);

static MEMORY: MemoryPool = MemoryPool(Mutex::new(Vec::new()));

impl MemoryPool {
    fn with<T>(&self, blocks: usize, hash: impl FnOnce(&mut [Block]) -> T) -> T {
        let pool = || self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut memory = pool().pop().unwrap_or_default();
        // argon2 writes every block before reading it, so reused memory needs
        // no clearing; a stored hash with other parameters only resizes it.
        memory.resize(blocks, Block::default());
        let result = hash(&mut memory);
        pool().push(memory);
        result
    }
}

impl Hasher {
    fn new(
        algorithm: Algorithm,
        version: Version,
        params: Params,
        memory: &'static MemoryPool,
    ) -> Self {
        Self {
            algorithm,
            version,
            argon2: Argon2::new(algorithm, version, params),
            memory,
        }
    }

    fn params(&self) -> &Params {
        self.argon2.params()
    }
}

impl PasswordHasher for Hasher {
    type Params = Params;

    fn hash_password<'a>(
        &self,
        password: &[u8],
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let salt = salt.into();
        let mut salt_bytes = [0; Salt::MAX_LENGTH];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let params = self.params();
        let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(length, |out| {
            self.memory
                .with(params.block_count(), |memory| {
                    self.argon2
                        .hash_password_into_with_memory(password, salt_bytes, out, memory)
                })
                .map_err(Into::into)
        })?;
        Ok(PasswordHash {
            algorithm: self.algorithm.ident(),
            version: Some(self.version.into()),
            params: ParamsString::try_from(params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm
            .map(Algorithm::try_from)
            .transpose()?
            .unwrap_or_default();
        let version = version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        Self::new(algorithm, version, params, self.memory).hash_password(password, salt)
    }
}

/// Verified against when the email is unknown, so that answer costs the same
/// hashing time as a wrong password. Its plaintext is random and discarded.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZiKrggHdC6ejA6FTJZObRA$FKWphyiNY/n2mYCiod3gDwCHwuULuUh9Mc70MvinPUs";

/// The hashing of one app, which counts what it does: a hash is the
/// expensive step a guesser makes the API repeat, so the count is what
/// the rate limits bound (`PasswordHashes` in the metrics, and for tests).
#[derive(Debug, Default)]
pub struct Passwords {
    hashes: AtomicU64,
}

impl Passwords {
    /// A new password's hash, to store.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.count();
        hash(password).await
    }

    /// Whether `password` is the one `hash` was made from; with no hash
    /// (an unknown user), the same work and `false`.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        self.count();
        verify(password, hash).await
    }

    /// Hashes run so far.
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.hashes.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(names::PASSWORD_HASHES).increment(1);
    }
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Checks `password` against `hash`, or against a dummy hash when there is no
/// user, which then always fails. Both paths do one full argon2id verification.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&hash).map_err(ApiError::internal)?;
        let matches = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(ApiError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash("correct horse".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(hash)).await.unwrap());
    }

    #[test]
    fn hashes_are_interchangeable_with_the_argon2_crates_own() {
        let salt = SaltString::generate(&mut OsRng);
        let ours = hasher().hash_password(b"correct horse", &salt).unwrap();
        let stock = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            hasher().params().clone(),
        );
        let theirs = stock.hash_password(b"correct horse", &salt).unwrap();
        assert_eq!(ours.to_string(), theirs.to_string());
        assert!(stock.verify_password(b"correct horse", &ours).is_ok());

        // A hash stored with other parameters verifies with its own.
        let other = Params::new(4 * 1024, 3, 1, Some(16)).unwrap();
        let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, other)
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let stored = PasswordHash::new(&stored).unwrap();
        assert!(hasher().verify_password(b"correct horse", &stored).is_ok());
        assert!(hasher().verify_password(b"wrong horse", &stored).is_err());
    }

    #[test]
    fn working_memory_is_reused_and_grows_only_with_hashes_at_once() {
        let pool = MemoryPool(Mutex::new(Vec::new()));
        let address = |memory: &mut [Block]| memory.as_ptr() as usize;
        let first = pool.with(64, address);
        assert_eq!(pool.with(64, address), first);
        assert_eq!(pool.with(32, address), first, "resized in place");

        let barrier = std::sync::Barrier::new(3);
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| pool.with(64, |_| barrier.wait()));
            }
        });
        assert_eq!(pool.0.lock().unwrap().len(), 3);
        for _ in 0..10 {
            pool.with(64, |_| ());
        }
        assert_eq!(pool.0.lock().unwrap().len(), 3);
    }

    #[test]
    fn hashing_and_verifying_work_in_the_pools_memory() {
        let pool: &'static MemoryPool = Box::leak(Box::new(MemoryPool(Mutex::new(Vec::new()))));
        let blocks = hasher().params().block_count();
        let held = || {
            let memory = pool.0.lock().unwrap();
            memory
                .iter()
                .map(|m| (m.as_ptr() as usize, m.len()))
                .collect::<Vec<_>>()
        };
        let salt = SaltString::generate(&mut OsRng);
        let hash = hasher_with(pool)
            .hash_password(b"correct horse", &salt)
            .unwrap();
        let after_hash = held();
        assert_eq!(after_hash.len(), 1);
        assert_eq!(after_hash[0].1, blocks);
        assert!(
            hasher_with(pool)
                .verify_password(b"correct horse", &hash)
                .is_ok()
        );
        assert_eq!(held(), after_hash, "verification reused the same memory");
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn dummy_hash_costs_the_same_as_a_real_one() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm, Algorithm::Argon2id.ident());
        let params = Params::try_from(&parsed).unwrap();
        let expected = hasher();
        assert_eq!(params.m_cost(), expected.params().m_cost());
        assert_eq!(params.t_cost(), expected.params().t_cost());
        assert_eq!(params.p_cost(), expected.params().p_cost());
    }
}
