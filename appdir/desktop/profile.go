package desktop

// Profile selects the behaviour of one desktop-file-validate release. The
// releases differ in the registered desktop environments and categories, in
// the accepted Version values and keys, and in the checks of Implements.
type Profile int

const (
	// Profile028 behaves like desktop-file-validate 0.28, the release that
	// appimagetool ships. It is the default.
	Profile028 Profile = iota
	// Profile026 behaves like desktop-file-validate 0.26 (Debian 12).
	Profile026
)

// String returns the release number of the profile.
func (p Profile) String() string {
	if p == Profile026 {
		return "0.26"
	}
	return "0.28"
}

// ParseProfile returns the profile named by a release number ("0.26", "0.28").
func ParseProfile(s string) (Profile, bool) {
	switch s {
	case "0.26":
		return Profile026, true
	case "0.28", "":
		return Profile028, true
	}
	return Profile028, false
}

// showInValues returns the registered OnlyShowIn/NotShowIn values.
func (p Profile) showInValues() []string {
	if p == Profile026 {
		return showIn026
	}
	return showIn028
}

var showIn026 = []string{
	"GNOME", "GNOME-Classic", "GNOME-Flashback", "KDE", "LXDE", "LXQt", "MATE", "Razor", "ROX",
	"TDE", "Unity", "XFCE", "EDE", "Cinnamon", "Pantheon", "Budgie", "Enlightenment", "Deepin", "Old",
}

var showIn028 = []string{
	"COSMIC", "GNOME", "GNOME-Classic", "GNOME-Flashback", "KDE", "LXDE", "LXQt", "MATE", "Razor",
	"ROX", "TDE", "Unity", "XFCE", "EDE", "Cinnamon", "Pantheon", "Budgie", "Enlightenment", "DDE",
	"Endless", "Old",
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
