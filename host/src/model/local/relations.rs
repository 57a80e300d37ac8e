//! Relations as the local model keeps them: each with its endpoints (one
//! per side; one in all for a peer relation) and its databags, one per
//! unit and one per application, and Juju's names for them (the relation
//! key, `wordpress:db mysql:server`).

use std::collections::BTreeMap;
use std::time::SystemTime;

use rusqlite::params;

use super::db::LocalResult;
use super::records::Rows;
use crate::charm::endpoints::RelationRole;
use crate::model::{Bag, RelationId};
use crate::time::to_micros;

/// One side of a relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    /// The application.
    pub application: String,
    /// Its endpoint's name.
    pub endpoint: String,
    /// The endpoint's role.
    pub role: RelationRole,
    /// The interface.
    pub interface: String,
}

/// A relation and its sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationRecord {
    /// Its id.
    pub id: RelationId,
    /// Its sides, in Juju's order (requirer, provider; or the one peer).
    pub endpoints: Vec<EndpointRecord>,
}

impl RelationRecord {
    /// Whether it is a peer relation (the units of one application).
    pub fn is_peer(&self) -> bool {
        self.endpoints.len() == 1
    }

    /// `application`'s side of it.
    pub fn side(&self, application: &str) -> Option<&EndpointRecord> {
        self.endpoints.iter().find(|e| e.application == application)
    }

    /// The side across from `application`'s: the other application's, or
    /// for a peer relation its own.
    pub fn other_side(&self, application: &str) -> Option<&EndpointRecord> {
        if self.is_peer() {
            return self.side(application);
        }
        self.endpoints.iter().find(|e| e.application != application)
    }

    /// Juju's relation key: each side's `application:endpoint`, requirer
    /// before provider, joined by a space (`wordpress:db mysql:server`);
    /// a peer relation's is its one side.
    pub fn key(&self) -> String {
        let mut sides: Vec<&EndpointRecord> = self.endpoints.iter().collect();
        sides.sort_by_key(|e| e.role);
        sides
            .iter()
            .map(|e| format!("{}:{}", e.application, e.endpoint))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Rows<'_> {
    /// The relation `id`.
    pub(crate) fn relation(&self, id: RelationId) -> LocalResult<Option<RelationRecord>> {
        let relations = self.relations_where("relation = ?1", params![id.0])?;
        Ok(relations.into_iter().next())
    }

    /// The relations `application` is in, by id.
    pub(crate) fn relations_of(&self, application: &str) -> LocalResult<Vec<RelationRecord>> {
        self.relations_where(
            "relation IN (SELECT relation FROM relation_endpoints WHERE application = ?1)",
            params![application],
        )
    }

    /// Every relation, by id.
    pub(crate) fn all_relations(&self) -> LocalResult<Vec<RelationRecord>> {
        self.relations_where("1 = 1", params![])
    }

    fn relations_where(
        &self,
        condition: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> LocalResult<Vec<RelationRecord>> {
        let sql = format!(
            "SELECT relation, application, endpoint, role, interface FROM relation_endpoints
             WHERE {condition} ORDER BY relation"
        );
        let rows = self.query_all(&sql, values, |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut relations: Vec<RelationRecord> = Vec::new();
        for (id, application, endpoint, role, interface) in rows {
            let role = RelationRole::parse(&role)
                .ok_or_else(|| self.bad(format!("relation {id}"), "role", format!("{role:?}")))?;
            let side = EndpointRecord {
                application,
                endpoint,
                role,
                interface,
            };
            match relations.last_mut() {
                Some(last) if last.id.0 == id => last.endpoints.push(side),
                _ => relations.push(RelationRecord {
                    id: RelationId(id),
                    endpoints: vec![side],
                }),
            }
        }
        for relation in &mut relations {
            relation.endpoints.sort_by_key(|e| e.role);
        }
        Ok(relations)
    }

    /// Adds a relation between `endpoints` (one for a peer relation);
    /// its id is the next of the model's relation sequence.
    pub(crate) fn add_relation(&self, endpoints: &[EndpointRecord]) -> LocalResult<RelationId> {
        let id = self.next_in_sequence("relation")?;
        let id = u32::try_from(id)
            .map_err(|_| self.bad("the relation sequence".into(), "next", id.to_string()))?;
        self.insert_relation(RelationId(id), endpoints)?;
        Ok(RelationId(id))
    }

    /// Adds a relation with the id `id` (a test's model names its own),
    /// moving the sequence past it.
    pub(crate) fn add_relation_as(
        &self,
        id: RelationId,
        endpoints: &[EndpointRecord],
    ) -> LocalResult<()> {
        if self.relation(id)?.is_some() {
            return Err(super::db::LocalModelError::Refused(format!(
                "relation {id} is given twice: each relation needs an id of its own"
            )));
        }
        self.insert_relation(id, endpoints)?;
        self.conn
            .execute(
                "INSERT INTO sequences (name, next) VALUES ('relation', ?1)
                 ON CONFLICT (name) DO UPDATE SET next = MAX(next, excluded.next)",
                params![i64::from(id.0) + 1],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn insert_relation(&self, id: RelationId, endpoints: &[EndpointRecord]) -> LocalResult<()> {
        let err = self.err();
        self.conn
            .execute(
                "INSERT INTO relations (id, created) VALUES (?1, ?2)",
                params![id.0, to_micros(SystemTime::now())],
            )
            .map_err(err)?;
        for side in endpoints {
            self.conn
                .execute(
                    "INSERT INTO relation_endpoints (relation, application, endpoint, role, interface)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        id.0,
                        side.application,
                        side.endpoint,
                        side.role.as_str(),
                        side.interface
                    ],
                )
                .map_err(err)?;
        }
        Ok(())
    }

    /// The bag `holder` (a unit's or an application's name) keeps in a
    /// relation.
    pub(crate) fn bag(&self, relation: RelationId, holder: &str) -> LocalResult<Bag> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT key, value FROM relation_data WHERE relation = ?1 AND holder = ?2",
            )
            .map_err(self.err())?;
        let bag = statement
            .query_map(params![relation.0, holder], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<Result<Bag, _>>()
            .map_err(self.err())?;
        Ok(bag)
    }

    /// Every non-empty bag of a relation, by holder.
    pub(crate) fn bags(&self, relation: RelationId) -> LocalResult<BTreeMap<String, Bag>> {
        let rows = self.query_all(
            "SELECT holder, key, value FROM relation_data WHERE relation = ?1",
            params![relation.0],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        let mut bags: BTreeMap<String, Bag> = BTreeMap::new();
        for (holder, key, value) in rows {
            bags.entry(holder).or_default().insert(key, value);
        }
        Ok(bags)
    }

    /// Sets (`Some`) or deletes (`None`) keys of a bag.
    pub(crate) fn update_bag<'a>(
        &self,
        relation: RelationId,
        holder: &str,
        changes: impl IntoIterator<Item = (&'a String, &'a Option<String>)>,
    ) -> LocalResult<()> {
        let err = self.err();
        for (key, value) in changes {
            match value {
                Some(value) => self
                    .conn
                    .execute(
                        "INSERT INTO relation_data (relation, holder, key, value)
                         VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (relation, holder, key) DO UPDATE SET value = excluded.value",
                        params![relation.0, holder, key, value],
                    )
                    .map_err(err)?,
                None => self
                    .conn
                    .execute(
                        "DELETE FROM relation_data WHERE relation = ?1 AND holder = ?2 AND key = ?3",
                        params![relation.0, holder, key],
                    )
                    .map_err(err)?,
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(application: &str, endpoint: &str, role: RelationRole) -> EndpointRecord {
        EndpointRecord {
            application: application.into(),
            endpoint: endpoint.into(),
            role,
            interface: "mysql".into(),
        }
    }

    #[test]
    fn relation_keys_put_the_requirer_first() {
        let relation = RelationRecord {
            id: RelationId(3),
            endpoints: vec![
                side("mysql", "server", RelationRole::Provider),
                side("wordpress", "db", RelationRole::Requirer),
            ],
        };
        assert_eq!(relation.key(), "wordpress:db mysql:server");
        assert_eq!(
            relation.other_side("wordpress").unwrap().application,
            "mysql"
        );
        let peers = RelationRecord {
            id: RelationId(0),
            endpoints: vec![side("db", "replicas", RelationRole::Peer)],
        };
        assert!(peers.is_peer());
        assert_eq!(peers.key(), "db:replicas");
        assert_eq!(peers.other_side("db").unwrap().application, "db");
    }
}
