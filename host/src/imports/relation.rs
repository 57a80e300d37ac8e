//! `juju:charm/relation`: `relation-ids`, `relation-list`, `relation-get`,
//! `relation-set`.

use super::bindings::v0_2_0::juju::charm::context::Relation as WitRelation;
use super::bindings::v0_2_0::juju::charm::relation::Host;
use crate::model::{ModelContext, RelationId};

impl Host for ModelContext {
    fn relation_ids(&mut self, endpoint: String) -> Result<Vec<WitRelation>, String> {
        let relations = ModelContext::relation_ids(self, &endpoint)?;
        Ok(relations.iter().map(super::context::relation).collect())
    }

    fn relation_list(&mut self, relation_id: u32) -> Result<Vec<String>, String> {
        ModelContext::relation_list(self, RelationId(relation_id))
    }

    fn relation_app(&mut self, relation_id: u32) -> Result<String, String> {
        ModelContext::relation_app(self, RelationId(relation_id))
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        member: String,
        app: bool,
    ) -> Result<Vec<(String, String)>, String> {
        ModelContext::relation_get(self, RelationId(relation_id), &member, app)
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        app: bool,
        pairs: Vec<(String, String)>,
    ) -> Result<(), String> {
        ModelContext::relation_set(self, RelationId(relation_id), app, pairs)
    }
}
