//! Secrets in the OS keychain (macOS Keychain, Windows Credential Manager,
//! the Secret Service on Linux) through the `keyring` crate, for profiles
//! whose `auth.secret_store` is `"keyring"`.
//!
//! Entries are service `jr`, account `<profile>:<field>`, for the fields
//! `token`, `shared_secret`, `client_secret` and `refresh_token`. Where no
//! keychain service exists (a server, a container, CI) or `JR_NO_KEYRING` is
//! set, secrets stay in the config file and jr says so plainly.

use jr_core::Error;
use jr_core::config::{ConfigFile, ProfileAuth};

/// The keychain service name of every entry.
pub const SERVICE: &str = "jr";
/// `auth.secret_store` of a profile whose secrets are in the keychain.
pub const KEYRING: &str = "keyring";

/// A place secrets can be kept by account name; the OS keychain in `jr`, an
/// in-memory double in tests.
pub trait Keychain {
    /// The secret, `Ok(None)` when there is none. Errors: the service failed.
    fn get(&self, account: &str) -> Result<Option<String>, String>;
    /// Stores or replaces the secret. Errors: no service, or it refused.
    fn set(&self, account: &str, secret: &str) -> Result<(), String>;
    /// Removes the secret; a missing one is fine.
    fn delete(&self, account: &str) -> Result<(), String>;
}

/// The OS keychain. `JR_NO_KEYRING` (any value) makes it absent, so tests and
/// scripts never touch the real one.
pub struct OsKeychain;

impl OsKeychain {
    fn entry(account: &str) -> Result<keyring::Entry, String> {
        if std::env::var_os("JR_NO_KEYRING").is_some() {
            return Err("JR_NO_KEYRING is set".to_owned());
        }
        keyring::Entry::new(SERVICE, account).map_err(|e| e.to_string())
    }
}

impl Keychain for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<String>, String> {
        match Self::entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), String> {
        Self::entry(account)?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }

    fn delete(&self, account: &str) -> Result<(), String> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The names of the secret fields of a profile's `auth`.
pub const SECRET_FIELDS: &[&str] = &["token", "shared_secret", "client_secret", "refresh_token"];

/// The secret fields of a profile's `auth`, by name.
fn secret_fields(auth: &mut ProfileAuth) -> [(&'static str, &mut Option<String>); 4] {
    [
        ("token", &mut auth.token),
        ("shared_secret", &mut auth.shared_secret),
        ("client_secret", &mut auth.client_secret),
        ("refresh_token", &mut auth.refresh_token),
    ]
}

fn account(profile: &str, field: &str) -> String {
    format!("{profile}:{field}")
}

/// Moves the profile's secrets from the file into the keychain and marks it
/// `secret_store: "keyring"`. Errors: the keychain refused; the profile is
/// then left as it was (secrets in the file), and the message says why.
pub fn move_into(
    keychain: &dyn Keychain,
    profile: &str,
    auth: &mut ProfileAuth,
) -> Result<(), String> {
    // Checked even with no secret to move yet, so a profile is never marked
    // as keeping its secrets where none can be kept.
    keychain.get(&account(profile, "token"))?;
    let mut moved = Vec::new();
    for (field, value) in secret_fields(auth) {
        if let Some(secret) = value.as_deref() {
            keychain.set(&account(profile, field), secret)?;
            moved.push(field);
        }
    }
    for (field, value) in secret_fields(auth) {
        if moved.contains(&field) {
            *value = None;
        }
    }
    auth.secret_store = Some(KEYRING.to_owned());
    Ok(())
}

/// Fills the secrets of `profile` from the keychain when it keeps them there,
/// in memory only. Errors (exit 1): the keychain cannot be read.
pub fn fill_in(keychain: &dyn Keychain, file: &mut ConfigFile, profile: &str) -> Result<(), Error> {
    let Some(found) = file.profiles.get_mut(profile) else {
        return Ok(());
    };
    if found.auth.secret_store.as_deref() != Some(KEYRING) {
        return Ok(());
    }
    for (field, value) in secret_fields(&mut found.auth) {
        if value.is_none() {
            *value = keychain.get(&account(profile, field)).map_err(|e| {
                Error::general(format!(
                    "cannot read the {field} of profile `{profile}` from the OS keychain: {e}"
                ))
                .with_hint(
                    "unlock the keychain, or store the secret in the file again with jr configure",
                )
            })?;
        }
    }
    Ok(())
}

/// Writes changed secrets of a keychain profile back to the keychain and
/// clears them from `auth`, so the file never receives them.
/// Errors (exit 1): the keychain refused the write.
pub fn write_back(
    keychain: &dyn Keychain,
    profile: &str,
    auth: &mut ProfileAuth,
) -> Result<(), Error> {
    if auth.secret_store.as_deref() != Some(KEYRING) {
        return Ok(());
    }
    for (field, value) in secret_fields(auth) {
        if let Some(secret) = value.take() {
            keychain
                .set(&account(profile, field), &secret)
                .map_err(|e| {
                    Error::general(format!(
                        "cannot store the {field} of profile `{profile}` in the OS keychain: {e}"
                    ))
                    .with_hint(format!(
                        "jr configure -p {profile} --no-keyring keeps the profile's secrets in the file instead"
                    ))
                })?;
        }
    }
    Ok(())
}

/// Takes the profile's secrets back into the file: whatever the keychain
/// still holds is read, the entries are removed, and `secret_store` is cleared.
pub fn move_out(keychain: &dyn Keychain, profile: &str, auth: &mut ProfileAuth) {
    for (field, value) in secret_fields(auth) {
        if value.is_none() {
            *value = keychain.get(&account(profile, field)).ok().flatten();
        }
    }
    forget(keychain, profile, SECRET_FIELDS);
    auth.secret_store = None;
}

/// Removes every secret of `profile` from the keychain (logout, delete).
pub fn forget(keychain: &dyn Keychain, profile: &str, fields: &[&str]) {
    for field in fields {
        let _ = keychain.delete(&account(profile, field));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct Memory {
        entries: RefCell<BTreeMap<String, String>>,
        broken: bool,
    }

    impl Keychain for Memory {
        fn get(&self, account: &str) -> Result<Option<String>, String> {
            Ok(self.entries.borrow().get(account).cloned())
        }
        fn set(&self, account: &str, secret: &str) -> Result<(), String> {
            if self.broken {
                return Err("no keychain service".into());
            }
            self.entries
                .borrow_mut()
                .insert(account.into(), secret.into());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), String> {
            self.entries.borrow_mut().remove(account);
            Ok(())
        }
    }

    fn auth() -> ProfileAuth {
        ProfileAuth {
            kind: Some("oauth2".into()),
            token: Some("access".into()),
            refresh_token: Some("refresh".into()),
            client_id: Some("cid".into()),
            ..ProfileAuth::default()
        }
    }

    #[test]
    fn secrets_move_into_the_keychain_and_come_back_in_memory() {
        let keychain = Memory::default();
        let mut moved = auth();
        move_into(&keychain, "work", &mut moved).unwrap();
        assert_eq!(
            (moved.token.clone(), moved.refresh_token.clone()),
            (None, None)
        );
        assert_eq!(
            moved.client_id.as_deref(),
            Some("cid"),
            "not a secret: stays"
        );
        assert_eq!(
            keychain.get("work:token").unwrap().as_deref(),
            Some("access")
        );

        let mut file = ConfigFile::default();
        file.profiles.insert(
            "work".into(),
            jr_core::config::Profile {
                auth: moved,
                ..Default::default()
            },
        );
        fill_in(&keychain, &mut file, "work").unwrap();
        assert_eq!(
            file.profiles["work"].auth.refresh_token.as_deref(),
            Some("refresh")
        );

        let mut rotated = file.profiles["work"].auth.clone();
        rotated.refresh_token = Some("refresh-2".into());
        write_back(&keychain, "work", &mut rotated).unwrap();
        assert_eq!(rotated.refresh_token, None, "never written to the file");
        assert_eq!(
            keychain.get("work:refresh_token").unwrap().as_deref(),
            Some("refresh-2")
        );
    }

    #[test]
    fn a_missing_keychain_leaves_the_profile_as_it_was() {
        let keychain = Memory {
            broken: true,
            ..Memory::default()
        };
        let mut kept = auth();
        assert!(move_into(&keychain, "work", &mut kept).is_err());
        assert_eq!(kept.token.as_deref(), Some("access"));
        assert_eq!(kept.secret_store, None);
    }

    #[test]
    fn a_profile_without_secrets_is_never_marked_keyring_when_none_exists() {
        let mut empty = ProfileAuth::default();
        assert!(move_into(&Unavailable, "k", &mut empty).is_err());
        assert_eq!(empty.secret_store, None);
    }

    #[test]
    fn secrets_come_back_into_the_file() {
        let keychain = Memory::default();
        let mut moved = auth();
        move_into(&keychain, "work", &mut moved).unwrap();
        move_out(&keychain, "work", &mut moved);
        assert_eq!(moved.token.as_deref(), Some("access"));
        assert_eq!(moved.secret_store, None);
        assert_eq!(
            keychain.get("work:token").unwrap(),
            None,
            "removed from the keychain"
        );
    }

    struct Unavailable;

    impl Keychain for Unavailable {
        fn get(&self, _: &str) -> Result<Option<String>, String> {
            Err("no keychain service".into())
        }
        fn set(&self, _: &str, _: &str) -> Result<(), String> {
            Err("no keychain service".into())
        }
        fn delete(&self, _: &str) -> Result<(), String> {
            Err("no keychain service".into())
        }
    }
}
