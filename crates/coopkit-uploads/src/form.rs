//! `multipart/form-data` forms, read as they stream: text fields into
//! memory up to [`FIELD_MAX_BYTES`] each, files to the staging directory as
//! their bytes arrive, never held whole.
//!
//! The multipart syntax is multer's (the parser axum's own extractor
//! wraps); what is coopkit's is the order of trust. A form's guard (the
//! web layer's CSRF check) is asked before each file and once at the end,
//! so a forged form stages nothing, and a refused one drops, and so
//! removes, whatever it had staged.

use bytes::Bytes;
use futures_util::Stream;

use crate::{StagedFile, Staging};

/// A file as it came from the person's form: the name it was sent under,
/// and the file itself, staged on disk.
#[derive(Debug)]
pub struct Upload {
    pub name: String,
    pub file: StagedFile,
}

/// A form's text fields in the order sent: a multipart form's, or (read
/// by serde) a URL-encoded form's whose names are made from data
/// (`price_babysitting`), which no struct can name ahead.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value sent under `name`, or nothing.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A form's text fields and files, each in the order sent.
#[derive(Debug, Default)]
pub struct Form {
    pub fields: Fields,
    pub files: Vec<(String, Upload)>,
}

impl Form {
    /// The first value sent under `name`, or nothing.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name)
    }

    /// The file sent under `name`, taken out of the form.
    pub fn take_file(&mut self, name: &str) -> Option<Upload> {
        let at = self.files.iter().position(|(n, _)| n == name)?;
        Some(self.files.swap_remove(at).1)
    }
}

/// The most bytes a text field may have: the longest any form sends is a
/// column mapping's TOML.
pub const FIELD_MAX_BYTES: usize = 1024 * 1024;

/// Why a form was not read.
#[derive(Debug)]
pub enum FormRefusal {
    /// The request does not say it is `multipart/form-data` with a
    /// boundary.
    NotMultipart,
    /// A broken body (bad multipart, a body cut short or past the route's
    /// limit), a text field past [`FIELD_MAX_BYTES`] or not UTF-8.
    Unreadable,
    /// The guard refused: a file came before the fields that admit it, or
    /// the form ended without them.
    Unguarded,
    /// The staging directory could not take a file.
    Staging(std::io::Error),
}

/// Reads a form of type `content_type` from `body`. `guard` is asked,
/// with the fields read so far, before each file is staged and once the
/// form has ended.
pub async fn read_form<S, E>(
    content_type: &str,
    body: S,
    staging: &Staging,
    guard: impl Fn(&Form) -> bool,
) -> Result<Form, FormRefusal>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let boundary = multer::parse_boundary(content_type).map_err(|_| FormRefusal::NotMultipart)?;
    let mut multipart = multer::Multipart::new(body, boundary);
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                if !guard(&form) {
                    return Err(FormRefusal::Unguarded);
                }
                let mut incoming = staging.begin().await.map_err(FormRefusal::Staging)?;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    incoming.write(&chunk).await.map_err(FormRefusal::Staging)?;
                }
                let file = incoming.finish().await.map_err(FormRefusal::Staging)?;
                form.files.push((
                    name,
                    Upload {
                        name: file_name,
                        file,
                    },
                ));
            }
            None => {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if text.len() + chunk.len() > FIELD_MAX_BYTES {
                        return Err(FormRefusal::Unreadable);
                    }
                    text.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(text).map_err(unreadable)?;
                form.fields.0.push((name, text));
            }
        }
    }
    if !guard(&form) {
        return Err(FormRefusal::Unguarded);
    }
    Ok(form)
}

fn unreadable<E>(_: E) -> FormRefusal {
    FormRefusal::Unreadable
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=XyZ";

    fn body(text: &str) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        // Small chunks, as a slow client sends them, so that fields span
        // chunks.
        let chunks: Vec<_> = text
            .replace('\n', "\r\n")
            .into_bytes()
            .chunks(7)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        futures_util::stream::iter(chunks)
    }

    fn token_first(form: &Form) -> bool {
        form.field("csrf") == "t0k"
    }

    fn staged(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, Iterator::count)
    }

    const GOOD: &str = "--XyZ
Content-Disposition: form-data; name=\"csrf\"

t0k
--XyZ
Content-Disposition: form-data; name=\"title\"

Harbour at dawn
--XyZ
Content-Disposition: form-data; name=\"file\"; filename=\"dawn.png\"
Content-Type: image/png

PNGBYTES
--XyZ--
";

    #[tokio::test]
    async fn a_form_gives_its_fields_and_stages_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path().join("incoming"));
        let mut form = read_form(TYPE, body(GOOD), &staging, token_first)
            .await
            .unwrap();
        assert_eq!(form.field("title"), "Harbour at dawn");
        assert_eq!(form.field("missing"), "");
        let upload = form.take_file("file").unwrap();
        assert_eq!(upload.name, "dawn.png");
        assert_eq!(std::fs::read(upload.file.path()).unwrap(), b"PNGBYTES");
        assert!(form.take_file("file").is_none(), "taken once");
        drop(upload);
        assert_eq!(staged(staging.dir()), 0, "a dropped upload is removed");
    }

    #[tokio::test]
    async fn a_refused_form_stages_nothing_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path().join("incoming"));
        let refused = |text: String| {
            let staging = staging.clone();
            async move { read_form(TYPE, body(&text), &staging, token_first).await }
        };
        // The file before the token: refused before a byte is staged.
        let file_first = GOOD.replacen("name=\"csrf\"", "name=\"other\"", 1)
            + "--XyZ\nContent-Disposition: form-data; name=\"csrf\"\n\nt0k\n--XyZ--\n";
        assert!(matches!(
            refused(file_first).await,
            Err(FormRefusal::Unguarded)
        ));
        // A file staged, then the body breaks off: the file goes too.
        let cut = GOOD.replace("PNGBYTES\n--XyZ--\n", "PNGBYTES");
        assert!(matches!(refused(cut).await, Err(FormRefusal::Unreadable)));
        // A text field past its bound, after a staged file.
        let long = GOOD.replace(
            "--XyZ--",
            &format!(
                "--XyZ\nContent-Disposition: form-data; name=\"mapping\"\n\n{}\n--XyZ--",
                "a".repeat(FIELD_MAX_BYTES + 1)
            ),
        );
        assert!(matches!(refused(long).await, Err(FormRefusal::Unreadable)));
        assert_eq!(staged(staging.dir()), 0);
        assert!(matches!(
            read_form(
                "application/x-www-form-urlencoded",
                body(GOOD),
                &staging,
                token_first
            )
            .await,
            Err(FormRefusal::NotMultipart)
        ));
    }
}
