"""Static files: collectstatic's ignore list, for a file of a registry package that cannot go through the manifest."""

from django.contrib.staticfiles.apps import StaticFilesConfig


class PortalStaticFilesConfig(StaticFilesConfig):
    # XStatic-Leaflet-MarkerCluster's minified file names a source map the package does not ship, which the manifest
    # storage refuses; the map pages load the package's "-src" file, whose source map is there.
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "leaflet.markercluster.js"]
