//! Unit names (`app/0`) with Juju's rules, the leader syntax
//! (`app/leader`), and where a unit keeps its data.
//!
//! ```
//! use charmbox::unit::UnitName;
//!
//! let unit: UnitName = "my-app2/17".parse().unwrap();
//! assert_eq!((unit.application(), unit.number()), ("my-app2", 17));
//! assert!("app-1/0".parse::<UnitName>().is_err(), "no part of a name is only digits");
//! assert!("hello/01".parse::<UnitName>().is_err(), "no leading zeros");
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A unit of an application: `<application>/<number>`.
///
/// Kept as it is written (`app/0`) beside its parts: a unit's name is
/// written out far more often (every record, every guest's environment)
/// than taken apart.
#[derive(Clone)]
pub struct UnitName {
    /// `<application>/<number>`.
    name: String,
    /// Where the `/` is in `name`.
    slash: usize,
    number: u32,
}

/// A unit name that breaks Juju's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid unit name {0:?}: expected <application>/<number> such as \"hello/0\" (or \
     <application>/leader), where the application name is lowercase letters, digits and single \
     hyphens, starts with a letter, and no hyphen-separated part is only digits"
)]
pub struct UnitNameError(pub String);

impl UnitName {
    /// Unit `number` of `application`.
    pub fn new(application: &str, number: u32) -> Result<Self, UnitNameError> {
        if is_valid_application_name(application) {
            Ok(Self::of_valid(application, number))
        } else {
            Err(UnitNameError(format!("{application}/{number}")))
        }
    }

    /// Unit `number` of `application`, a valid application name.
    fn of_valid(application: &str, number: u32) -> Self {
        Self {
            name: format!("{application}/{number}"),
            slash: application.len(),
            number,
        }
    }

    /// The application part.
    pub fn application(&self) -> &str {
        &self.name[..self.slash]
    }

    /// The unit number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The name written out: `app/0`.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The unit's data directory under a charmbox state directory: the
    /// guest's `/data`, kept between runs of this unit and no other.
    pub fn data_dir(&self, state_dir: &Path) -> PathBuf {
        // `app-0` cannot collide: an application name never ends in a part
        // that is only digits.
        state_dir
            .join(UNITS_DIR)
            .join(format!("{}-{}", self.application(), self.number))
            .join("data")
    }
}

/// The directory under a state directory holding each unit's own.
pub(crate) const UNITS_DIR: &str = "units";

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Debug for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnitName")
            .field("application", &self.application())
            .field("number", &self.number)
            .finish()
    }
}

// The name says everything the parts do.
impl PartialEq for UnitName {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for UnitName {}

impl std::hash::Hash for UnitName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// By application, then by number (`app/2` before `app/10`).
impl Ord for UnitName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.application(), self.number).cmp(&(other.application(), other.number))
    }
}

impl PartialOrd for UnitName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A unit compares equal to its name written out, so a test can say
/// `assert_eq!(output.unit, "hello/0")`.
impl PartialEq<str> for UnitName {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for UnitName {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl FromStr for UnitName {
    type Err = UnitNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || UnitNameError(s.to_owned());
        let (application, number) = s.split_once('/').ok_or_else(err)?;
        // Juju writes unit numbers without sign or leading zeros.
        if number.is_empty()
            || !number.bytes().all(|b| b.is_ascii_digit())
            || (number.len() > 1 && number.starts_with('0'))
        {
            return Err(err());
        }
        let number = number.parse().map_err(|_| err())?;
        Self::new(application, number).map_err(|_| err())
    }
}

/// A unit as `juju run` names one: `app/N`, or `app/leader` for the
/// application's leader.
///
/// ```
/// use charmbox::unit::UnitTarget;
///
/// let leader: UnitTarget = "hello/leader".parse().unwrap();
/// assert_eq!(leader.resolve().to_string(), "hello/0");
/// assert_eq!("hello/3".parse::<UnitTarget>().unwrap().resolve().to_string(), "hello/3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UnitTarget {
    /// That unit.
    Unit(UnitName),
    /// The leader of the application named.
    Leader(String),
}

impl UnitTarget {
    /// The unit meant, with no model to ask: an application's leader is
    /// its unit 0 (the first unit deployed, which the local model elects
    /// first, as Juju usually does).
    pub fn resolve(&self) -> UnitName {
        self.resolve_with(|_| None)
    }

    /// The unit meant, `leader_of` naming an application's leader where the
    /// model knows one; else as [`resolve`](Self::resolve).
    pub fn resolve_with(&self, leader_of: impl Fn(&str) -> Option<UnitName>) -> UnitName {
        match self {
            Self::Unit(unit) => unit.clone(),
            Self::Leader(application) => {
                leader_of(application).unwrap_or_else(|| UnitName::of_valid(application, 0))
            }
        }
    }
}

impl fmt::Display for UnitTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unit(unit) => unit.fmt(f),
            Self::Leader(application) => write!(f, "{application}/leader"),
        }
    }
}

impl FromStr for UnitTarget {
    type Err = UnitNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_suffix("/leader") {
            Some(application) if is_valid_application_name(application) => {
                Ok(Self::Leader(application.to_owned()))
            }
            Some(_) => Err(UnitNameError(s.to_owned())),
            None => s.parse().map(Self::Unit),
        }
    }
}

/// Juju's application name rule: `^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`.
pub fn is_valid_application_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let first_ok = parts.next().is_some_and(|first| {
        first.starts_with(|c: char| c.is_ascii_lowercase())
            && first
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    first_ok
        && parts.all(|part| {
            part.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && part.bytes().any(|b| b.is_ascii_lowercase())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_is_its_name_and_sorts_by_number() {
        let two: UnitName = "app/2".parse().unwrap();
        let ten: UnitName = "app/10".parse().unwrap();
        assert_eq!((two.as_str(), ten.application()), ("app/2", "app"));
        assert!(two < ten, "by number, not as text");
        assert!(
            ten < "apq/0".parse::<UnitName>().unwrap(),
            "by application first"
        );
        assert_eq!(two, UnitName::new("app", 2).unwrap());
        assert_eq!(UnitTarget::Leader("app".into()).resolve().as_str(), "app/0");
    }

    #[test]
    fn parses_valid_unit_names() {
        let unit: UnitName = "hello/0".parse().unwrap();
        assert_eq!((unit.application(), unit.number()), ("hello", 0));
        assert_eq!(
            "my-app2/17".parse::<UnitName>().unwrap().to_string(),
            "my-app2/17"
        );
    }

    #[test]
    fn refuses_invalid_unit_names() {
        for bad in [
            "hello",
            "hello/",
            "/0",
            "Hello/0",
            "hello/-1",
            "hello/01",
            "app-1/0",
            "1app/0",
            "app--x/0",
            "app-/0",
            "hello/0/1",
            "hello/x",
        ] {
            assert!(bad.parse::<UnitName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn each_unit_has_its_own_data_dir() {
        let state = Path::new("/state");
        let a: UnitName = "app/0".parse().unwrap();
        let b: UnitName = "app/1".parse().unwrap();
        assert_eq!(a.data_dir(state), Path::new("/state/units/app-0/data"));
        assert_ne!(a.data_dir(state), b.data_dir(state));
    }
}
