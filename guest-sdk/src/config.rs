//! The application's config (`config-get`), read into the author's types.

use serde::de::DeserializeOwned;

use crate::bindings::config as host;
use crate::json::{from_json, DecodeError};
use crate::model::refused;
use crate::{anyhow, Model, Result};

impl Model {
    /// The application's config, deserialised into `T` — `self.config` in
    /// `ops`, typed.
    ///
    /// `T` is typically a `#[derive(Deserialize)]` struct with a field per
    /// option of `charmcraft.yaml`'s `config:`. Juju gives every option that
    /// has a value (set by the operator, or its default); an option with
    /// neither is absent, so make its field an `Option` or give it
    /// `#[serde(default)]`. Juju's `int` is an integer (`i64`, `u16`…),
    /// `float` an `f64`, `boolean` a `bool`, `string` a `String` or an enum,
    /// `secret` a secret's URI (read it with [`Model::secret_by_id`]).
    /// Option names usually have hyphens: `#[serde(rename_all =
    /// "kebab-case")]`.
    ///
    /// ```no_run
    /// use charmbox_sdk::{Action, Result};
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// #[serde(rename_all = "kebab-case")]
    /// struct Config {
    ///     port: u16,
    ///     log_level: LogLevel,
    ///     admin_password: Option<String>, // a `secret` option: its URI
    /// }
    ///
    /// #[derive(Deserialize)]
    /// #[serde(rename_all = "lowercase")]
    /// enum LogLevel { Info, Debug }
    ///
    /// fn reconfigure(action: &Action) -> Result<()> {
    ///     let config: Config = action.model().config()?;
    ///     action.set_result("port", config.port)
    /// }
    /// ```
    ///
    /// # Errors
    /// If the config does not fit `T`; the message names the option and
    /// serde's reason: `config option "port": invalid value: integer
    /// `70000`, expected u16`.
    pub fn config<T: DeserializeOwned>(&self) -> Result<T> {
        let json = host::config_get(None).map_err(refused("read the config"))?;
        decode_config(json.as_deref())
    }

    /// One config option by name, deserialised into `T`; `Ok(None)` if it
    /// has no value (none set and no default).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let port: u16 = model.config_option("port")?.unwrap_or(5432);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the value does not fit `T`; the message names the option.
    pub fn config_option<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let json = host::config_get(Some(name))
            .map_err(refused(format_args!("read config option {name:?}")))?;
        decode_option(name, json.as_deref())
    }
}

/// The whole config (`json` as `config-get` returned it) as a `T`.
fn decode_config<T: DeserializeOwned>(json: Option<&str>) -> Result<T> {
    from_json(json.unwrap_or("{}")).map_err(|e| match e {
        DecodeError { path, reason } if !path.is_empty() => {
            let option = path.split('.').next().unwrap_or(&path);
            let inside = path.strip_prefix(option).unwrap_or("");
            let inside = inside
                .strip_prefix('.')
                .map_or(String::new(), |p| format!(" at {p}"));
            anyhow!("config option {option:?}{inside}: {reason}")
        }
        e => anyhow!("config: {e}"),
    })
}

/// Option `name`'s value (`json` as `config-get NAME` returned it) as a `T`.
fn decode_option<T: DeserializeOwned>(name: &str, json: Option<&str>) -> Result<Option<T>> {
    json.map(from_json)
        .transpose()
        .map_err(|e| anyhow!("config option {name:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    struct Config {
        port: u16,
        ratio: f64,
        debug: bool,
        log_level: Level,
        admin_password: Option<String>,
        #[serde(default)]
        workers: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Info,
        Debug,
    }

    #[test]
    fn juju_config_json_fills_a_struct() {
        // As config-get --format=json prints it: an integral float without
        // ".0", options without a value absent.
        let json = r#"{"debug":false,"log-level":"debug","port":5432,"ratio":2}"#;
        assert_eq!(
            decode_config::<Config>(Some(json)).unwrap(),
            Config {
                port: 5432,
                ratio: 2.0,
                debug: false,
                log_level: Level::Debug,
                admin_password: None,
                workers: 0,
            }
        );
    }

    #[test]
    fn a_value_that_does_not_fit_names_the_option() {
        let json = r#"{"debug":false,"log-level":"loud","port":5432,"ratio":1.5}"#;
        let e = decode_config::<Config>(Some(json)).unwrap_err().to_string();
        assert_eq!(
            e,
            "config option \"log-level\": unknown variant `loud`, expected `info` or `debug`"
        );
        let json = r#"{"debug":false,"log-level":"info","port":70000,"ratio":1.5}"#;
        let e = decode_config::<Config>(Some(json)).unwrap_err().to_string();
        assert_eq!(
            e,
            "config option \"port\": invalid value: integer `70000`, expected u16"
        );
    }

    #[test]
    fn a_missing_option_is_named() {
        let json = r#"{"debug":false,"log-level":"info","ratio":1.5}"#;
        let e = decode_config::<Config>(Some(json)).unwrap_err().to_string();
        assert_eq!(e, "config: missing field `port`");
    }

    #[test]
    fn a_nested_path_names_the_option_and_the_place_inside() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Nested {
            limits: Limits,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Limits {
            cpu: u8,
        }
        let e = decode_config::<Nested>(Some(r#"{"limits":{"cpu":"x"}}"#))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "config option \"limits\" at cpu: invalid type: string \"x\", expected u8"
        );
    }

    #[test]
    fn one_option() {
        assert_eq!(
            decode_option::<u16>("port", Some("5432")).unwrap(),
            Some(5432)
        );
        assert_eq!(decode_option::<u16>("port", None).unwrap(), None);
        let e = decode_option::<u16>("port", Some("\"x\"")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "config option \"port\": invalid type: string \"x\", expected u16"
        );
    }
}
