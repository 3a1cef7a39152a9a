/// The OpenAPI 3.1 description of the whole portal API, served at `/api/v1/openapi.json`.
/// Kept true by the end-to-end suite: schemathesis drives every operation against it, and a
/// unit test checks that its paths and the router's routes are the same.
public enum OpenAPIDocument {
    public static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Tollgate portal API",
            "version": "1",
            "description": "The operator API of Tollgate (seed 002): audit trail, tools, keys, try-it and replay. Errors are {\"error\": \"...\"}."
          },
          "servers": [{"url": "/"}],
          "security": [{"apiKey": []}, {"bearer": []}, {"session": []}],
          "tags": [{"name": "portal"}, {"name": "audit"}, {"name": "admin"}, {"name": "login"}],
          "paths": {
            "/api/v1/portal/me": {
              "get": {
                "summary": "The authenticated caller",
                "operationId": "getMe",
                "responses": {
                  "200": {
                    "description": "The resolved identity.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Identity"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["portal"]
              }
            },
            "/api/v1/portal/server": {
              "get": {
                "summary": "Version and configuration (secrets redacted; the configuration and upstreams for admins only)",
                "operationId": "getServer",
                "responses": {
                  "200": {
                    "description": "Server facts.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Server"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["portal"]
              }
            },
            "/api/v1/portal/instructions": {
              "get": {
                "summary": "The instructions MCP clients receive",
                "operationId": "getInstructions",
                "responses": {
                  "200": {
                    "description": "Instructions.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Instructions"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["portal"]
              }
            },
            "/api/v1/portal/tools": {
              "get": {
                "summary": "Tools the caller may call",
                "operationId": "listTools",
                "responses": {
                  "200": {
                    "description": "Tools.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ToolList"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["portal"]
              }
            },
            "/api/v1/portal/tools/{name}": {
              "get": {
                "summary": "One tool",
                "operationId": "getTool",
                "responses": {
                  "200": {
                    "description": "The tool.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tool"}}}
                  },
                  "404": {
                    "description": "Unknown tool.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "schema": {"type": "string"},
                    "description": "Tool name."
                  }
                ],
                "tags": ["portal"]
              }
            },
            "/api/v1/portal/audit/meta": {
              "get": {
                "summary": "The audit filter contract",
                "operationId": "getAuditMeta",
                "responses": {
                  "200": {
                    "description": "Allowed has= columns, JSON sources, replay and export limits.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditMeta"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/audit/events": {
              "get": {
                "summary": "Audit events, newest first",
                "operationId": "listAuditEvents",
                "responses": {
                  "200": {
                    "description": "A page of events.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventList"}}}
                  },
                  "400": {
                    "description": "Malformed parameter or body.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "description": "Besides the parameters listed, `param.<dotted.path>=<value>` and `response.<dotted.path>=<value>` match JSONB containment in the captured request arguments and response result (bare true/false become booleans, numbers become numbers, a quoted value forces a string; paths with an empty segment are dropped), and `header.<Name>=<value>` matches a captured request header (names are case-insensitive, values always strings, dotted names dropped).",
                "parameters": [
                  {"$ref": "#/components/parameters/from"},
                  {"$ref": "#/components/parameters/to"},
                  {"$ref": "#/components/parameters/tool"},
                  {"$ref": "#/components/parameters/user"},
                  {"$ref": "#/components/parameters/session"},
                  {"$ref": "#/components/parameters/success"},
                  {"$ref": "#/components/parameters/q"},
                  {"$ref": "#/components/parameters/has"},
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50},
                    "description": "Page size."
                  },
                  {
                    "name": "offset",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "integer", "minimum": 0, "maximum": 1000000, "default": 0},
                    "description": "Rows to skip."
                  }
                ],
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/audit/events/{id}": {
              "get": {
                "summary": "One audit event with its payload",
                "operationId": "getAuditEvent",
                "responses": {
                  "200": {
                    "description": "The event.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditEventDetail"}}}
                  },
                  "400": {
                    "description": "Not a UUID.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "404": {
                    "description": "No such event.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {"type": "string", "format": "uuid"},
                    "description": "Event id (a UUID)."
                  }
                ],
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/audit/events/{id}/replay": {
              "post": {
                "summary": "Run a recorded call again",
                "operationId": "replayAuditEvent",
                "responses": {
                  "200": {
                    "description": "The tool's result; a new event with source=portal-replay and replayed_from records it.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallToolResult"}}}
                  },
                  "400": {
                    "description": "Not a UUID.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "403": {
                    "description": "X-Requested-With missing, or the caller may not call the tool.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "404": {
                    "description": "No such event.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "429": {
                    "description": "Replay limit reached (burst 5, one token per 12 s, per operator).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    "headers": {
                      "Retry-After": {"description": "Seconds until a replay token is available.", "schema": {"type": "string"}}
                    }
                  },
                  "422": {
                    "description": "The event cannot be replayed (a denied call or an authentication failure, no payload, truncated or redacted arguments, not a tool call, or the tool no longer exists), or the tool answered with a protocol (JSON-RPC) error instead of a result.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {"type": "string", "format": "uuid"},
                    "description": "Event id (a UUID)."
                  },
                  {
                    "name": "X-Requested-With",
                    "in": "header",
                    "required": true,
                    "schema": {"type": "string", "minLength": 1},
                    "description": "CSRF gate: any non-empty value."
                  }
                ],
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/audit/export": {
              "get": {
                "summary": "Export events as NDJSON (at most 100,000 rows)",
                "operationId": "exportAuditEvents",
                "responses": {
                  "200": {
                    "description": "One event summary per line, newest first.",
                    "content": {"application/x-ndjson": {"schema": {"type": "string"}}}
                  },
                  "400": {
                    "description": "Malformed parameter or body.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "description": "Besides the parameters listed, `param.<dotted.path>=<value>` and `response.<dotted.path>=<value>` match JSONB containment in the captured request arguments and response result (bare true/false become booleans, numbers become numbers, a quoted value forces a string; paths with an empty segment are dropped), and `header.<Name>=<value>` matches a captured request header (names are case-insensitive, values always strings, dotted names dropped).",
                "parameters": [
                  {"$ref": "#/components/parameters/from"},
                  {"$ref": "#/components/parameters/to"},
                  {"$ref": "#/components/parameters/tool"},
                  {"$ref": "#/components/parameters/user"},
                  {"$ref": "#/components/parameters/session"},
                  {"$ref": "#/components/parameters/success"},
                  {"$ref": "#/components/parameters/q"},
                  {"$ref": "#/components/parameters/has"},
                  {
                    "name": "format",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "string", "enum": ["jsonl"]},
                    "description": "Only jsonl."
                  }
                ],
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/audit/stream": {
              "get": {
                "summary": "Live tail of committed events (server-sent events)",
                "operationId": "streamAuditEvents",
                "responses": {
                  "200": {
                    "description": "`: connected`, then `event: audit` with the event JSON per committed event, `: keepalive` every 30 s.",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}
                  },
                  "400": {
                    "description": "Malformed parameter or body.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "description": "Filters as /audit/events (from and to do not apply to a live stream). Besides the parameters listed, `param.<dotted.path>=<value>` and `response.<dotted.path>=<value>` match JSONB containment in the captured request arguments and response result (bare true/false become booleans, numbers become numbers, a quoted value forces a string; paths with an empty segment are dropped), and `header.<Name>=<value>` matches a captured request header (names are case-insensitive, values always strings, dotted names dropped).",
                "parameters": [
                  {"$ref": "#/components/parameters/tool"},
                  {"$ref": "#/components/parameters/user"},
                  {"$ref": "#/components/parameters/session"},
                  {"$ref": "#/components/parameters/success"},
                  {"$ref": "#/components/parameters/q"},
                  {"$ref": "#/components/parameters/has"}
                ],
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/audit/timeseries": {
              "get": {
                "summary": "Call and error counts per time bucket",
                "operationId": "auditTimeseries",
                "responses": {
                  "200": {
                    "description": "Buckets, empty ones included.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Timeseries"}}}
                  },
                  "400": {
                    "description": "Malformed parameter or body.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "parameters": [
                  {"$ref": "#/components/parameters/from"},
                  {"$ref": "#/components/parameters/to"},
                  {
                    "name": "bucket",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "string", "default": "1m", "pattern": "^([0-9]{1,6}(\\.[0-9]{1,3})?(h|m|s|ms))+$"},
                    "description": "Go duration of a bucket (e.g. 30s, 1m, 1h); under a second counts as 1s, and a window that would need more than 10,000 buckets gets wider ones (the answer's bucket says which)."
                  }
                ],
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/audit/breakdown": {
              "get": {
                "summary": "Counts grouped by a column",
                "operationId": "auditBreakdown",
                "responses": {
                  "200": {
                    "description": "Groups, largest first.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Breakdown"}}}
                  },
                  "400": {
                    "description": "Malformed parameter or body.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "parameters": [
                  {
                    "name": "by",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "string", "enum": ["tool", "user", "success", "auth_type"], "default": "tool"},
                    "description": "Grouping column."
                  },
                  {"$ref": "#/components/parameters/from"},
                  {"$ref": "#/components/parameters/to"}
                ],
                "tags": ["audit"]
              }
            },
            "/api/v1/portal/dashboard": {
              "get": {
                "summary": "The last hour: totals, error rate, p50/p95, unique users and tools, recent events",
                "operationId": "getDashboard",
                "responses": {
                  "200": {
                    "description": "Statistics.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Dashboard"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["portal"]
              }
            },
            "/api/v1/portal/wellknown": {
              "get": {
                "summary": "The protected-resource metadata, pretty-printed",
                "operationId": "getWellKnown",
                "responses": {
                  "200": {
                    "description": "Metadata.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WellKnown"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["portal"]
              }
            },
            "/api/v1/admin/keys": {
              "post": {
                "summary": "Mint an API key (admin)",
                "operationId": "mintKey",
                "responses": {
                  "201": {
                    "description": "The key and its plaintext, shown once.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MintResponse"}}}
                  },
                  "400": {
                    "description": "Malformed parameter or body.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "403": {
                    "description": "The admin scope is required.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "409": {
                    "description": "An active key has that name, or it is a static key's name.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "413": {
                    "description": "Body too large.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "422": {
                    "description": "expires_at is not in the future.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MintRequest"}}}
                },
                "tags": ["admin"]
              },
              "get": {
                "summary": "List API keys (admin)",
                "operationId": "listKeys",
                "responses": {
                  "200": {
                    "description": "Keys, never hashes or plaintexts.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyList"}}}
                  },
                  "403": {
                    "description": "The admin scope is required.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "tags": ["admin"]
              }
            },
            "/api/v1/admin/keys/{name}": {
              "delete": {
                "summary": "Revoke an API key (admin)",
                "operationId": "revokeKey",
                "responses": {
                  "204": {"description": "Revoked; gateways drop it within a second."},
                  "403": {
                    "description": "The admin scope is required.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "404": {
                    "description": "No active key of that name.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "schema": {"type": "string"},
                    "description": "Key name."
                  }
                ],
                "tags": ["admin"]
              }
            },
            "/api/v1/admin/tryit/{name}": {
              "post": {
                "summary": "Run a tool as the operator (admin)",
                "operationId": "tryTool",
                "responses": {
                  "200": {
                    "description": "The tool's result; the audit row says source=portal-tryit.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallToolResult"}}}
                  },
                  "400": {
                    "description": "Malformed parameter or body.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "403": {
                    "description": "The admin scope is required.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "404": {
                    "description": "Unknown tool, or one the caller may not call.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "413": {
                    "description": "Body too large.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "422": {
                    "description": "The tool refused its arguments, or answered with a protocol (JSON-RPC) error instead of a result.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "schema": {"type": "string"},
                    "description": "Tool name."
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TryItRequest"}}}
                },
                "tags": ["admin"]
              }
            },
            "/portal/auth/login": {
              "get": {
                "summary": "Start OIDC login (authorization code + PKCE)",
                "operationId": "login",
                "tags": ["login"],
                "parameters": [
                  {
                    "name": "return_to",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "string"},
                    "description": "Local path to land on after login (default /portal/)."
                  }
                ],
                "responses": {
                  "302": {"description": "To the issuer's authorization endpoint."},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "security": []
              }
            },
            "/portal/auth/callback": {
              "get": {
                "summary": "OIDC redirect URI: exchanges the code, sets the session cookie",
                "operationId": "loginCallback",
                "tags": ["login"],
                "parameters": [
                  {
                    "name": "code",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "string"},
                    "description": "Authorization code."
                  },
                  {
                    "name": "state",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "string"},
                    "description": "The login's state."
                  },
                  {
                    "name": "error",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "string"},
                    "description": "Error from the issuer."
                  }
                ],
                "responses": {
                  "302": {
                    "description": "Logged in: cookie set, redirect to return_to.",
                    "headers": {
                      "Set-Cookie": {"schema": {"type": "string"}, "description": "HttpOnly, SameSite=Lax session cookie."}
                    }
                  },
                  "400": {
                    "description": "Missing or unknown state, or the issuer refused the code.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "401": {
                    "description": "The ID token was refused.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "security": []
              }
            },
            "/portal/auth/logout": {
              "post": {
                "summary": "End the browser session",
                "operationId": "logout",
                "tags": ["login"],
                "responses": {
                  "204": {"description": "Session ended, cookie cleared."},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                },
                "security": []
              }
            },
            "/api/v1/openapi.json": {
              "get": {
                "summary": "This document",
                "operationId": "openapi",
                "tags": ["portal"],
                "responses": {
                  "200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}}
                },
                "security": []
              }
            }
          },
          "components": {
            "securitySchemes": {
              "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
              "bearer": {"type": "http", "scheme": "bearer", "description": "An API key or an OIDC access token (JWT)."},
              "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "tollgate_session",
                "description": "Browser session from /portal/auth/login."
              }
            },
            "parameters": {
              "from": {
                "name": "from",
                "in": "query",
                "required": false,
                "schema": {"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"},
                "description": "Events at or after this time (RFC 3339)."
              },
              "to": {
                "name": "to",
                "in": "query",
                "required": false,
                "schema": {"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"},
                "description": "Events before this time (RFC 3339)."
              },
              "tool": {
                "name": "tool",
                "in": "query",
                "required": false,
                "schema": {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*$"},
                "description": "Exact tool name."
              },
              "user": {
                "name": "user",
                "in": "query",
                "required": false,
                "schema": {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*$"},
                "description": "Exact user subject."
              },
              "session": {
                "name": "session",
                "in": "query",
                "required": false,
                "schema": {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*$"},
                "description": "Exact MCP session id."
              },
              "success": {
                "name": "success",
                "in": "query",
                "required": false,
                "schema": {"type": "string", "enum": ["true", "false"]},
                "description": "Only successful or only failed calls."
              },
              "q": {
                "name": "q",
                "in": "query",
                "required": false,
                "schema": {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*$"},
                "description": "Case-insensitive substring of tool_name, error_message or user_subject (LIKE wildcards are literal)."
              },
              "has": {
                "name": "has",
                "in": "query",
                "required": false,
                "schema": {"type": "string"},
                "description": "Payload column that must be present and non-empty: request_params, request_headers, response_result, response_error, notifications, replayed_from. Anything else is silently dropped."
              }
            },
            "responses": {
              "Unauthorized": {
                "description": "Missing or invalid credentials.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                "headers": {
                  "WWW-Authenticate": {
                    "schema": {"type": "string"},
                    "description": "Bearer realm=\"tollgate\", resource_metadata=\"...\""
                  }
                }
              },
              "Unavailable": {
                "description": "A service this route needs is down, or the feature is not configured.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              }
            },
            "schemas": {
              "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
              "Identity": {
                "type": "object",
                "required": ["subject", "auth_type", "scopes", "is_admin"],
                "properties": {
                  "subject": {"type": "string"},
                  "email": {"type": ["string", "null"]},
                  "name": {"type": ["string", "null"]},
                  "auth_type": {"type": "string", "enum": ["apikey", "oidc", "anonymous"]},
                  "api_key_name": {"type": ["string", "null"]},
                  "scopes": {"type": "array", "items": {"type": "string"}},
                  "roles": {"type": "array", "items": {"type": "string"}},
                  "allowed_tools": {"type": "array", "items": {"type": "string"}},
                  "is_admin": {"type": "boolean"}
                }
              },
              "AuditEvent": {
                "type": "object",
                "required": ["id", "timestamp", "tool_name", "success", "source"],
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "timestamp": {"type": "string"},
                  "duration_ms": {"type": "integer"},
                  "request_id": {"type": ["string", "null"]},
                  "session_id": {"type": ["string", "null"]},
                  "user_subject": {"type": ["string", "null"]},
                  "user_email": {"type": ["string", "null"]},
                  "auth_type": {"type": ["string", "null"]},
                  "api_key_name": {"type": ["string", "null"]},
                  "tool_name": {"type": "string"},
                  "tool_group": {"type": ["string", "null"]},
                  "parameters": {},
                  "success": {"type": "boolean"},
                  "error_message": {"type": ["string", "null"]},
                  "error_category": {"type": ["string", "null"]},
                  "request_chars": {"type": ["integer", "null"]},
                  "response_chars": {"type": ["integer", "null"]},
                  "content_blocks": {"type": ["integer", "null"]},
                  "transport": {"type": "string"},
                  "source": {"type": "string", "enum": ["mcp", "portal-tryit", "portal-replay"]},
                  "remote_addr": {"type": ["string", "null"]},
                  "user_agent": {"type": ["string", "null"]},
                  "trace_id": {"type": ["string", "null"]}
                }
              },
              "AuditPayload": {
                "type": "object",
                "properties": {
                  "jsonrpc_method": {"type": ["string", "null"]},
                  "request_params": {},
                  "request_size_bytes": {"type": ["integer", "null"]},
                  "request_truncated": {"type": "boolean"},
                  "request_headers": {},
                  "request_remote_addr": {"type": ["string", "null"]},
                  "response_result": {},
                  "response_error": {},
                  "response_size_bytes": {"type": ["integer", "null"]},
                  "response_truncated": {"type": "boolean"},
                  "notifications": {},
                  "notifications_truncated": {"type": "boolean"},
                  "replayed_from": {"type": ["string", "null"]}
                }
              },
              "AuditEventDetail": {
                "allOf": [
                  {"$ref": "#/components/schemas/AuditEvent"},
                  {
                    "type": "object",
                    "properties": {"payload": {"oneOf": [{"$ref": "#/components/schemas/AuditPayload"}, {"type": "null"}]}}
                  }
                ]
              },
              "EventList": {
                "type": "object",
                "required": ["events", "total"],
                "properties": {
                  "events": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}},
                  "total": {"type": "integer", "minimum": 0}
                }
              },
              "Tool": {
                "type": "object",
                "required": ["name", "group", "description", "input_schema"],
                "properties": {
                  "name": {"type": "string"},
                  "group": {"type": "string"},
                  "description": {"type": "string"},
                  "input_schema": {"type": "object"}
                }
              },
              "ToolList": {
                "type": "object",
                "required": ["tools"],
                "properties": {"tools": {"type": "array", "items": {"$ref": "#/components/schemas/Tool"}}}
              },
              "Key": {
                "type": "object",
                "required": ["id", "name", "created_at", "scopes", "allowed_tools"],
                "properties": {
                  "id": {"type": "string"},
                  "name": {"type": "string"},
                  "description": {"type": ["string", "null"]},
                  "created_by": {"type": ["string", "null"]},
                  "created_at": {"type": "string"},
                  "expires_at": {"type": ["string", "null"]},
                  "last_used_at": {"type": ["string", "null"]},
                  "scopes": {"type": "array", "items": {"type": "string"}},
                  "allowed_tools": {"type": "array", "items": {"type": "string"}},
                  "revoked_at": {"type": ["string", "null"]}
                }
              },
              "KeyList": {
                "type": "object",
                "required": ["keys"],
                "properties": {"keys": {"type": "array", "items": {"$ref": "#/components/schemas/Key"}}}
              },
              "MintRequest": {
                "type": "object",
                "required": ["name"],
                "properties": {
                  "name": {"type": "string", "pattern": "^(?!\\.+$)[A-Za-z0-9._-]{1,64}$", "description": "Unique among active keys; not only dots; not a static key's name (409)."},
                  "description": {"type": ["string", "null"], "maxLength": 1024},
                  "expires_at": {"type": ["string", "null"], "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$", "description": "Must be in the future (422 otherwise)."},
                  "scopes": {
                    "type": "array",
                    "maxItems": 32,
                    "items": {"type": "string", "pattern": "^[a-z0-9:._-]{1,64}$"},
                    "description": "`admin` allows minting, revoking, try-it and the configuration, and implies `audit`; `audit` reads every caller's audit rows. Without either, a key reads only its own rows."
                  },
                  "allowed_tools": {
                    "type": "array",
                    "maxItems": 256,
                    "items": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"},
                    "description": "Globs of the tools and prompts (by name) and resources (by URI) the key may use; empty: all."
                  }
                }
              },
              "MintResponse": {
                "type": "object",
                "required": ["key", "plaintext"],
                "properties": {
                  "key": {"$ref": "#/components/schemas/Key"},
                  "plaintext": {"type": "string", "description": "Shown once."}
                }
              },
              "TryItRequest": {
                "type": "object",
                "properties": {"arguments": {"type": "object", "description": "The tool's arguments, passed through unchanged."}}
              },
              "CallToolResult": {
                "type": "object",
                "required": ["content"],
                "properties": {
                  "content": {"type": "array", "items": {"type": "object"}},
                  "structuredContent": {},
                  "isError": {"type": "boolean"}
                }
              },
              "AuditMeta": {
                "type": "object",
                "required": ["has_keys", "json_sources", "replay", "export"],
                "properties": {
                  "has_keys": {"type": "array", "items": {"type": "string"}},
                  "json_sources": {"type": "array", "items": {"type": "string"}},
                  "replay": {
                    "type": "object",
                    "required": ["burst", "refill_secs", "sustained_min"],
                    "properties": {
                      "burst": {"type": "integer"},
                      "refill_secs": {"type": "integer"},
                      "sustained_min": {"type": "number"}
                    }
                  },
                  "export": {"type": "object", "required": ["max_rows"], "properties": {"max_rows": {"type": "integer"}}}
                }
              },
              "Server": {
                "type": "object",
                "required": ["version", "gateway"],
                "properties": {
                  "version": {"type": "string"},
                  "service": {"type": "string"},
                  "config": {"type": "object", "description": "Effective configuration, secrets shown as [redacted]. Admins only."},
                  "gateway": {
                    "type": "object",
                    "properties": {
                      "name": {"type": "string"},
                      "version": {"type": "string"},
                      "instructions": {"type": "string"},
                      "protocol_versions": {"type": "array", "items": {"type": "string"}},
                      "upstreams": {"type": "array", "items": {"type": "object"}},
                      "config": {"type": "object"}
                    }
                  }
                }
              },
              "Instructions": {"type": "object", "required": ["instructions"], "properties": {"instructions": {"type": "string"}}},
              "Timeseries": {
                "type": "object",
                "required": ["points", "bucket"],
                "properties": {
                  "points": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["ts", "count", "errors"],
                      "properties": {"ts": {"type": "string"}, "count": {"type": "integer"}, "errors": {"type": "integer"}}
                    }
                  },
                  "bucket": {"type": "string", "description": "Go-style duration, e.g. 1m0s."}
                }
              },
              "Breakdown": {
                "type": "object",
                "required": ["breakdown", "by"],
                "properties": {
                  "breakdown": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["key", "count", "errors"],
                      "properties": {
                        "key": {"type": ["string", "null"]},
                        "count": {"type": "integer"},
                        "errors": {"type": "integer"},
                        "avg_duration_ms": {"type": ["number", "null"]}
                      }
                    }
                  },
                  "by": {"type": "string", "enum": ["tool", "user", "success", "auth_type"]}
                }
              },
              "Dashboard": {
                "type": "object",
                "required": ["window", "total", "errors", "error_rate", "unique_users", "unique_tools", "recent"],
                "properties": {
                  "window": {"type": "string"},
                  "total": {"type": "integer"},
                  "errors": {"type": "integer"},
                  "error_rate": {"type": "number"},
                  "p50_ms": {"type": ["number", "null"]},
                  "p95_ms": {"type": ["number", "null"]},
                  "unique_users": {"type": "integer"},
                  "unique_tools": {"type": "integer"},
                  "recent": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}}
                }
              },
              "WellKnown": {
                "type": "object",
                "required": ["resource_metadata_url", "metadata"],
                "properties": {
                  "resource_metadata_url": {"type": "string"},
                  "authorization_server_metadata_url": {"type": ["string", "null"]},
                  "metadata": {"type": "object"}
                }
              }
            }
          }
        }
        """#
}
