//! The answers every operation may give besides its own, added to the
//! OpenAPI document from what each operation takes, so that the document
//! lists every status the server can send (an outside tester holds it to
//! that) without each handler repeating them.
//!
//! Each follows from a layer the operation passes through, not from its
//! handler: the bearer check answers 401 and the co-op check 403; a path
//! part of the wrong type is a 400 and an id that names nothing a 404; a
//! query that cannot be read is a 400; a body that is not JSON, too large,
//! of another type or of the wrong shape is a 400, 413, 415 or 422; a
//! query or body that is well formed but names what the co-op does not
//! have (a class, a currency) is a 409; and the rate limits answer 429
//! anywhere.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, Paths};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Schema};

/// The common answers, by status, with what each means.
const ANSWERS: [(&str, &str); 9] = [
    ("400", "The path, query or body cannot be read as this operation takes it"),
    ("401", "No bearer token, or one that is unknown or revoked"),
    ("403", "The caller may not do this in this co-op"),
    ("404", "Nothing by that name or id"),
    (
        "409",
        "Well formed, but refused by the co-op's state: a field names what it does not have (each is named in `errors`)",
    ),
    ("413", "The body is larger than the server accepts"),
    ("415", "The body is not `application/json`"),
    ("422", "A field is missing or wrong: each is named in `errors`"),
    ("429", "Too many requests: try again after the `retry-after` seconds"),
];

fn problem(description: &str) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", content)
        .build()
}

/// The statuses `operation` may answer by what it takes.
fn statuses(operation: &Operation) -> Vec<&'static str> {
    let mut statuses = vec!["429"];
    let takes = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        statuses.extend(["401", "403"]);
    }
    if takes(ParameterIn::Path) {
        statuses.extend(["400", "404"]);
    }
    if takes(ParameterIn::Query) {
        statuses.extend(["400", "409", "422"]);
    }
    if operation.request_body.is_some() {
        statuses.extend(["400", "409", "413", "415", "422"]);
    }
    statuses
}

/// Adds to each operation the common answers it may give and does not
/// already describe.
pub fn add_common_answers(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, description) in ANSWERS {
        components
            .responses
            .insert(format!("Status{status}"), RefOr::T(problem(description)));
    }
    for operation in operations_mut(&mut doc.paths) {
        for status in statuses(operation) {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| {
                    RefOr::Ref(Ref::new(format!("#/components/responses/Status{status}")))
                });
        }
    }
}

/// Links each operation that creates something (a POST answering 201) to
/// the operations on what it made: those whose path is its own and then a
/// part its answer gives (`…/bookings` to `…/bookings/{id}` and
/// `…/bookings/{id}/messages` by the booking's `id`; `/coops` to
/// `/coops/{slug}` by the co-op's `slug`), so that a client, and a
/// stateful tester, can follow an id from one to the next.
pub fn link_created_ids(doc: &mut OpenApi) {
    // The fields of what each POST answers 201 with, by its path.
    let fields_of = |content: Option<&RefOr<Schema>>| -> Vec<String> {
        let Some(RefOr::Ref(reference)) = content else {
            return Vec::new();
        };
        let name = reference
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default();
        match doc.components.as_ref().and_then(|c| c.schemas.get(name)) {
            Some(RefOr::T(Schema::Object(o))) => o.properties.keys().cloned().collect(),
            _ => Vec::new(),
        }
    };
    let makers: Vec<(String, Vec<String>)> = doc
        .paths
        .paths
        .iter()
        .filter_map(
            |(path, item)| match item.post.as_ref()?.responses.responses.get("201")? {
                RefOr::T(created) => {
                    let content = created.content.get("application/json");
                    Some((
                        path.clone(),
                        fields_of(content.and_then(|c| c.schema.as_ref())),
                    ))
                }
                RefOr::Ref(_) => None,
            },
        )
        .collect();
    let mut links = Vec::new();
    for (maker, fields) in &makers {
        for (path, item) in &doc.paths.paths {
            let Some(rest) = path.strip_prefix(&format!("{maker}/{{")) else {
                continue;
            };
            let Some(name) = rest.split('}').next() else {
                continue;
            };
            // The created thing's own name for it (a co-op's `slug`), or its id.
            let Some(field) = [name, "id"]
                .into_iter()
                .find(|f| fields.iter().any(|k| k == f))
            else {
                continue;
            };
            let operations = [&item.get, &item.put, &item.post, &item.delete, &item.patch];
            for target in operations.into_iter().flatten() {
                let Some(operation_id) = target.operation_id.clone() else {
                    continue;
                };
                // The created id, and every part of the path the two share.
                let mut parameters = vec![(name.to_owned(), format!("$response.body#/{field}"))];
                for shared in maker.split('/').filter_map(|s| s.strip_prefix('{')) {
                    let shared = shared.trim_end_matches('}');
                    parameters.push((shared.to_owned(), format!("$request.path.{shared}")));
                }
                links.push((maker.clone(), operation_id, parameters));
            }
        }
    }
    for (maker, operation_id, parameters) in links {
        let Some(RefOr::T(created)) = doc
            .paths
            .paths
            .get_mut(&maker)
            .and_then(|item| item.post.as_mut())
            .and_then(|post| post.responses.responses.get_mut("201"))
        else {
            continue;
        };
        let mut link = LinkBuilder::new().operation_id(operation_id.clone());
        for (name, value) in parameters {
            link = link.parameter(name, value);
        }
        created.links.insert(operation_id, RefOr::T(link.build()));
    }
}

/// The document as JSON. utoipa 5.5 writes a link's fields in snake case
/// (`operation_id`), where OpenAPI spells them in camel case
/// (`operationId`), so they are renamed here.
pub fn to_json(doc: &OpenApi) -> serde_json::Value {
    let mut json = serde_json::to_value(doc).unwrap_or_default();
    let links = json["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation["responses"].as_object_mut())
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links")?.as_object_mut())
        .flat_map(|links| links.values_mut())
        .filter_map(serde_json::Value::as_object_mut);
    for link in links {
        for (snake, camel) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(value) = link.remove(snake) {
                link.insert(camel.to_owned(), value);
            }
        }
    }
    json
}

/// Every operation of the document, whatever its method.
pub(crate) fn operations_mut(paths: &mut Paths) -> impl Iterator<Item = &mut Operation> {
    paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}
