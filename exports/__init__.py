"""Turn the built site into other artefacts: one offline HTML file per lecture, figures."""
