"""drf-spectacular postprocessing: document the answers every operation can give.

DRF answers 400 to a body it cannot parse or validate, 415 to a media type it does not take,
404 to a page number past the end of a list, and 403 to a write another website's page sent
(core/cross_site.py); the generated schema lists none of them
unless each view says so. This hook adds them, so that clients (and schemathesis) see them.
"""

ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "additionalProperties": True}


def _response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def document_common_errors(result, generator, request, public):
    for _path, methods in result.get("paths", {}).items():
        for _method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault("400", _response("The request could not be read or is not valid."))
                responses.setdefault("415", _response("The request's media type is not accepted."))
            parameters = {p.get("name") for p in operation.get("parameters", []) if isinstance(p, dict)}
            if _method in ("post", "put", "patch", "delete"):
                responses.setdefault(
                    "403",
                    _response(
                        "Refused: sent by a browser from another website's page (an Origin or Referer that is "
                        "not this site) without a token, or a signed-in session without its CSRF token."
                    ),
                )
            if "page" in parameters:
                responses.setdefault("404", _response("No such page (past the end of the list)."))
    return result
