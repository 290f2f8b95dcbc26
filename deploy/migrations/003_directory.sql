-- 003_directory.sql — the school directory (hub/directory.h; `hubctl schools import`).
--
-- One row per school unit the hub can notify: municipal schools, friskolor and state schools,
-- in Stockholm or any other municipality. Maintained only by `hubctl schools import`, which
-- upserts the rows of a CSV file and marks the schools absent from it as removed (removed_at),
-- never deleting a row, so that handovers and the audit log keep naming a school that closed.
-- Every change is mirrored to the compacted topic `school-directory` (a removed school as a
-- tombstone). The notifier reads webhook_url and signing_secret_ref from here; district
-- publishers seal handover content with public_key.

CREATE TABLE hub.schools (
    skolenhetskod      text PRIMARY KEY CHECK (skolenhetskod ~ '^[0-9]{8}$'),
    name               text NOT NULL,
    huvudman_type      text NOT NULL CHECK (huvudman_type IN ('kommunal','fristående','statlig')),
    kommunkod          text NOT NULL CHECK (kommunkod ~ '^[0-9]{4}$'),
    webhook_url        text,
    public_key         text /* base64 of the raw 32-byte X25519 public key */,
    signing_secret_ref text /* path of the file holding the school's webhook signing secret */,
    email              text,
    removed_at         timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hub.schools IS
    'School directory: one row per school unit (skolenhetskod); removed schools keep their row '
    'with removed_at set. Written by hubctl schools import, mirrored to topic school-directory.';
COMMENT ON COLUMN hub.schools.public_key IS
    'base64 of the raw 32-byte X25519 public key that handover content is sealed with (hub/seal.h)';
COMMENT ON COLUMN hub.schools.signing_secret_ref IS
    'path of the file holding the school''s webhook signing secret (the secret is never stored here)';
