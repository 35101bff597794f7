-- What the SAP announcer (RFC 2974) last announced, per conference and SAP group. Whichever instance
-- announces next reads it, so a conference deleted or changed while no instance was announcing still
-- gets its deletion packet; and every instance's listener recognises our own announcements by their
-- session identity (o= without the version) instead of listing them a second time. No foreign key:
-- a row outlives its conference until the deletion has been sent.
CREATE TABLE directory.sap_announcements (
    conference_id uuid NOT NULL,
    sap_group inet NOT NULL,
    ttl smallint NOT NULL,
    sdp text NOT NULL,
    identity text NOT NULL,
    announced_at timestamptz NOT NULL,
    PRIMARY KEY (conference_id, sap_group)
);
