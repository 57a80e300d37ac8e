// The exceptions of the helper, named and nested as ops names them.

/** Throw it from an action handler to fail the action with exactly this
 * message (any other error fails it with "<Name>: <message>"). */
export class ActionError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "ActionError";
  }
}

/** The host refused a model call; the message is Juju's. */
export class ModelError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** `model.getRelation` found more than one relation on an endpoint. */
export class TooManyRelatedAppsError extends ModelError {
  /**
   * @param {string} relationName
   * @param {number} numRelated
   * @param {number} maxSupported
   */
  constructor(relationName, numRelated, maxSupported) {
    super(`Too many remote applications on ${relationName} (${numRelated} > ${maxSupported})`);
    this.relationName = relationName;
    this.numRelated = numRelated;
    this.maxSupported = maxSupported;
  }
}

/** A databag read or write that is not allowed or not valid. */
export class RelationDataError extends ModelError {}

/** A databag key or value that is not a string. */
export class RelationDataTypeError extends RelationDataError {}

/** A databag this unit may not read or write. */
export class RelationDataAccessError extends RelationDataError {}

/** The relation does not exist (any more). */
export class RelationNotFoundError extends ModelError {}

/** A status a charm cannot set (`unknown`, `error`, not a status). */
export class InvalidStatusError extends ModelError {}

/** The secret does not exist, or this unit cannot see it. */
export class SecretNotFoundError extends ModelError {}
