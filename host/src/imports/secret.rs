//! `juju:charm/secret`: `secret-get`, `secret-add`, `secret-set`,
//! `secret-ids`, `secret-info-get`, `secret-grant`, `secret-revoke`,
//! `secret-remove`.

use super::bindings::v0_2_0::juju::charm::secret::{self as wit, Host};
use crate::model::{
    ModelContext, ReadMode, RelationId, RotatePolicy, SecretInfo, SecretOptions, SecretOwner,
    SecretRef,
};

impl Host for ModelContext {
    fn secret_get(
        &mut self,
        secret: wit::SecretRef,
        mode: wit::ReadMode,
        label: Option<String>,
    ) -> Result<Vec<(String, String)>, String> {
        let mode = match mode {
            wit::ReadMode::Tracked => ReadMode::Tracked,
            wit::ReadMode::Peek => ReadMode::Peek,
            wit::ReadMode::Refresh => ReadMode::Refresh,
        };
        ModelContext::secret_get(self, &secret_ref(secret), mode, label.as_deref())
    }

    fn secret_add(
        &mut self,
        content: Vec<(String, String)>,
        options: wit::SecretOptions,
        owner_unit: bool,
    ) -> Result<String, String> {
        let owner = if owner_unit {
            SecretOwner::Unit
        } else {
            SecretOwner::Application
        };
        ModelContext::secret_add(self, content, &secret_options(options), owner)
    }

    fn secret_set(
        &mut self,
        secret: wit::SecretRef,
        content: Option<Vec<(String, String)>>,
        options: wit::SecretOptions,
    ) -> Result<(), String> {
        ModelContext::secret_set(self, &secret_ref(secret), content, &secret_options(options))
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, String> {
        ModelContext::secret_ids(self)
    }

    fn secret_info_get(&mut self, secret: wit::SecretRef) -> Result<wit::SecretInfo, String> {
        ModelContext::secret_info_get(self, &secret_ref(secret)).map(secret_info)
    }

    fn secret_grant(
        &mut self,
        secret: wit::SecretRef,
        relation_id: u32,
        unit: Option<String>,
    ) -> Result<(), String> {
        let secret = secret_ref(secret);
        ModelContext::secret_grant(self, &secret, RelationId(relation_id), unit.as_deref())
    }

    fn secret_revoke(
        &mut self,
        secret: wit::SecretRef,
        relation_id: u32,
        unit: Option<String>,
    ) -> Result<(), String> {
        let secret = secret_ref(secret);
        ModelContext::secret_revoke(self, &secret, RelationId(relation_id), unit.as_deref())
    }

    fn secret_remove(
        &mut self,
        secret: wit::SecretRef,
        revision: Option<u32>,
    ) -> Result<(), String> {
        ModelContext::secret_remove(self, &secret_ref(secret), revision)
    }
}

fn secret_ref(secret: wit::SecretRef) -> SecretRef {
    match secret {
        wit::SecretRef::Id(id) => SecretRef::Id(id),
        wit::SecretRef::Label(label) => SecretRef::Label(label),
    }
}

fn secret_options(options: wit::SecretOptions) -> SecretOptions {
    SecretOptions {
        label: options.label,
        description: options.description,
        expire: options.expire,
        rotate: options.rotate.map(|policy| match policy {
            wit::RotatePolicy::Never => RotatePolicy::Never,
            wit::RotatePolicy::Hourly => RotatePolicy::Hourly,
            wit::RotatePolicy::Daily => RotatePolicy::Daily,
            wit::RotatePolicy::Weekly => RotatePolicy::Weekly,
            wit::RotatePolicy::Monthly => RotatePolicy::Monthly,
            wit::RotatePolicy::Quarterly => RotatePolicy::Quarterly,
            wit::RotatePolicy::Yearly => RotatePolicy::Yearly,
        }),
    }
}

fn secret_info(info: SecretInfo) -> wit::SecretInfo {
    wit::SecretInfo {
        id: info.id,
        label: info.label,
        description: info.description,
        revision: info.revision,
        rotation: info.rotation.map(|policy| match policy {
            RotatePolicy::Never => wit::RotatePolicy::Never,
            RotatePolicy::Hourly => wit::RotatePolicy::Hourly,
            RotatePolicy::Daily => wit::RotatePolicy::Daily,
            RotatePolicy::Weekly => wit::RotatePolicy::Weekly,
            RotatePolicy::Monthly => wit::RotatePolicy::Monthly,
            RotatePolicy::Quarterly => wit::RotatePolicy::Quarterly,
            RotatePolicy::Yearly => wit::RotatePolicy::Yearly,
        }),
        expiry: info.expiry,
        owner: match info.owner {
            SecretOwner::Application => "application".into(),
            SecretOwner::Unit => "unit".into(),
        },
    }
}
