package desktop

// valueType is the type of a registered key's value.
type valueType int

const (
	typeString valueType = iota
	typeLocaleString
	typeBoolean
	typeStringList
	typeLocaleStringList
	typeRegexpList
)

// keyKind says which desktop entry Type a key belongs to.
type keyKind int

const (
	kindAny keyKind = iota
	kindApplication
	kindLink
	kindFSDevice
	kindMimeType
)

// keyDef describes one registered key, in the order of the specification's
// tables (the order decides which required key is reported first).
type keyDef struct {
	name       string
	typ        valueType
	required   bool
	deprecated bool
	kind       keyKind                                 // the Type the key is restricted to
	check      func(v *validator, lk, val string) bool // extra check after the type check
	since028   bool                                    // registered from 0.27 on
}

// mainKeys are the keys of the [Desktop Entry] group.
var mainKeys []keyDef

// actionKeys are the keys of a [Desktop Action id] group.
var actionKeys []keyDef

func init() {
	mainKeys = []keyDef{
		{name: "Type", typ: typeString, required: true, check: (*validator).checkType},
		{name: "Version", typ: typeString, check: (*validator).checkVersion},
		{name: "Name", typ: typeLocaleString, required: true},
		{name: "GenericName", typ: typeLocaleString},
		{name: "NoDisplay", typ: typeBoolean},
		{name: "Comment", typ: typeLocaleString, check: (*validator).checkComment},
		{name: "Icon", typ: typeLocaleString, check: (*validator).checkIcon},
		{name: "Hidden", typ: typeBoolean},
		{name: "OnlyShowIn", typ: typeStringList, check: (*validator).checkShowIn},
		{name: "NotShowIn", typ: typeStringList, check: (*validator).checkShowIn},
		{name: "TryExec", typ: typeString, kind: kindApplication},
		{name: "Exec", typ: typeString, kind: kindApplication, check: (*validator).checkExec},
		{name: "Path", typ: typeString, kind: kindApplication, check: (*validator).checkAbsolutePath},
		{name: "Terminal", typ: typeBoolean, kind: kindApplication},
		{name: "MimeType", typ: typeStringList, kind: kindApplication, check: (*validator).checkMimeTypes},
		{name: "Categories", typ: typeStringList, kind: kindApplication, check: (*validator).checkCategories},
		{name: "StartupNotify", typ: typeBoolean, kind: kindApplication},
		{name: "StartupWMClass", typ: typeString, kind: kindApplication},
		{name: "URL", typ: typeString, kind: kindLink},
		{name: "Keywords", typ: typeLocaleStringList},
		{name: "Actions", typ: typeStringList, kind: kindApplication, check: (*validator).checkActions},
		{name: "Implements", typ: typeStringList, check: (*validator).checkImplements},
		{name: "DBusActivatable", typ: typeBoolean, check: (*validator).checkDBusActivatable},
		{name: "PrefersNonDefaultGPU", typ: typeBoolean},
		{name: "SingleMainWindow", typ: typeBoolean, since028: true},
		// Reserved for KDE.
		{name: "ServiceTypes", typ: typeString},
		{name: "DocPath", typ: typeString},
		{name: "InitialPreference", typ: typeString},
		{name: "Dev", typ: typeString, kind: kindFSDevice, check: (*validator).checkAbsolutePath},
		{name: "FSType", typ: typeString, kind: kindFSDevice},
		{name: "MountPoint", typ: typeString, kind: kindFSDevice, check: (*validator).checkAbsolutePath},
		{name: "ReadOnly", typ: typeBoolean, kind: kindFSDevice},
		{name: "UnmountIcon", typ: typeString, kind: kindFSDevice},
		// Deprecated.
		{name: "Protocols", typ: typeString, deprecated: true},
		{name: "Extensions", typ: typeString, deprecated: true},
		{name: "BinaryPattern", typ: typeString, deprecated: true},
		{name: "MapNotify", typ: typeString, deprecated: true},
		{name: "Patterns", typ: typeRegexpList, deprecated: true, kind: kindMimeType},
		{name: "DefaultApp", typ: typeString, deprecated: true, kind: kindMimeType},
		{name: "MiniIcon", typ: typeString, deprecated: true},
		{name: "TerminalOptions", typ: typeString, deprecated: true},
		{name: "Encoding", typ: typeString, deprecated: true, check: (*validator).checkEncoding},
		{name: "SwallowTitle", typ: typeLocaleString, deprecated: true},
		{name: "SwallowExec", typ: typeString, deprecated: true},
		{name: "SortOrder", typ: typeStringList, deprecated: true},
		{name: "FilePattern", typ: typeRegexpList, deprecated: true},
		{name: "X-KDE-RunOnDiscreteGpu", typ: typeBoolean, deprecated: true},
		// Autostart specification.
		{name: "AutostartCondition", typ: typeString, kind: kindApplication, check: (*validator).checkAutostartCondition},
	}
	actionKeys = []keyDef{
		{name: "Name", typ: typeLocaleString, required: true},
		{name: "Icon", typ: typeLocaleString, check: (*validator).checkIcon},
		{name: "OnlyShowIn", typ: typeStringList, deprecated: true, check: (*validator).checkShowIn},
		{name: "NotShowIn", typ: typeStringList, deprecated: true, check: (*validator).checkShowIn},
		{name: "Exec", typ: typeString, required: true, check: (*validator).checkExec},
	}
}
