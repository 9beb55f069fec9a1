// Renders the API reference from the OpenAPI document this server serves.
// Nothing here may reach another host: the document comes from the relative
// URL openapi.yaml (next to /docs, also behind a path-prefixing proxy), and
// validatorUrl is null so Swagger UI never sends the document to
// validator.swagger.io.
window.ui = SwaggerUIBundle({
  url: "openapi.yaml",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
});
