//! What comes into coopkit as a file. A `multipart/form-data` form is read
//! as it streams ([`read_form`]); each file in it is written to a staging
//! directory and hashed on the way ([`Staging`]), so an upload of any size
//! costs a buffer, not its size; its type is told from its first bytes
//! ([`sniff`]); and an image is measured from its header before it is
//! decoded, within a memory budget shared by every upload at once
//! ([`image_header`], [`thumbnail`], [`DecodeBudget`]).
//!
//! Its own crate, free of the database and the web server, so that the
//! fuzz targets drive these parsers of outside input cheaply.

mod form;
mod images;
mod sniff;
mod staged;

pub use form::{read_form, Fields, Form, FormRefusal, Upload, FIELD_MAX_BYTES};
pub use images::{
    image_header, thumbnail, DecodeBudget, DecodePermit, ImageHeader, ImageRefusal, PIXELS_MAX,
    THUMBNAIL_SIDE,
};
pub use sniff::sniff;
pub use staged::{sweep_staging, Incoming, StagedFile, Staging};
