/* Boots the vendored GraphiQL with the example queries as tabs (see stakegraph.viz.graphiql). */
(function () {
  "use strict";
  var tabs = JSON.parse(document.getElementById("sg-tabs").textContent);
  var params = new URLSearchParams(window.location.search);
  var headers = {};
  var csrf = document.cookie.match(/(?:^|;\s*)sg_csrf=([^;]+)/);
  if (csrf) { headers["X-CSRF-Token"] = decodeURIComponent(csrf[1]); }
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + "/graphql", headers: headers });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var query = params.get("query") || undefined;
  var variables = params.get("variables") || undefined;

  function App() {
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
      defaultTabs: tabs,
      query: query,
      variables: variables,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
