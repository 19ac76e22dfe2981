package desktop

import "strings"

// findCategory returns the registered category named name in profile p.
func (p Profile) findCategory(name string) *category {
	for i := range categories {
		c := &categories[i]
		if c.name == name && !(c.since028 && p == Profile026) {
			return c
		}
	}
	return nil
}

// allPresent reports whether every ";"-separated category of set is in has.
func allPresent(set string, has map[string]bool) bool {
	for _, c := range strings.Split(set, ";") {
		if !has[c] {
			return false
		}
	}
	return true
}

func anyAlternativePresent(alternatives []string, has map[string]bool) bool {
	for _, set := range alternatives {
		if allPresent(set, has) {
			return true
		}
	}
	return false
}

func (v *validator) checkCategories(lk, value string) bool {
	g := v.current
	if value == "" {
		return true
	}
	ok := true
	items := listItems(value)
	has := map[string]bool{}
	for _, c := range items {
		if has[c] {
			v.warningf("duplicate-item", "value \"%s\" for key \"%s\" in group \"%s\" contains \"%s\" more than once", value, lk, g, c)
			continue
		}
		has[c] = true
	}
	mains := 0
	for _, name := range items {
		if strings.HasPrefix(name, "X-") {
			continue
		}
		c := v.profile.findCategory(name)
		if c == nil {
			v.errorf("unregistered-value", "value \"%s\" for key \"%s\" in group \"%s\" contains an unregistered value \"%s\"; values extending the format should start with \"X-\"", value, lk, g, name)
			ok = false
			continue
		}
		if c.main {
			// Audio or Video with AudioVideo present do not count.
			counted := true
			for _, set := range c.requires {
				for _, r := range strings.Split(set, ";") {
					if rc := v.profile.findCategory(r); has[r] && rc != nil && rc.main {
						counted = false
					}
				}
			}
			if counted {
				mains++
			}
			if mains > 1 {
				v.hintf("category-main-multiple", "value \"%s\" for key \"%s\" in group \"%s\" contains more than one main category; application might appear more than once in the application menu", value, lk, g)
			}
		}
		if c.deprecated {
			v.warningf("category-deprecated", "value \"%s\" for key \"%s\" in group \"%s\" contains a deprecated value \"%s\"", value, lk, g, name)
		}
		if c.needsOnlyShowIn {
			if _, found := v.currentKeys["OnlyShowIn"]; !found {
				v.errorf("category-reserved", "value item \"%s\" in key \"%s\" in group \"%s\" is a reserved category, so a \"OnlyShowIn\" key must be included", name, lk, g)
				ok = false
			}
		}
		if len(c.requires) > 0 && !anyAlternativePresent(c.requires, has) {
			v.futuref("category-requires", "value item \"%s\" in key \"%s\" in group \"%s\" requires another category to be present among the following categories: %s", name, lk, g, strings.Join(c.requires, ", or "))
			ok = false
		}
		if len(c.suggests) > 0 && !anyAlternativePresent(c.suggests, has) {
			v.hintf("category-suggests", "value item \"%s\" in key \"%s\" in group \"%s\" can be extended with another category among the following categories: %s", name, lk, g, strings.Join(c.suggests, ", or "))
		}
	}
	if mains == 0 {
		v.hintf("category-main-missing", "value \"%s\" for key \"%s\" in group \"%s\" does not contain a registered main category; application might only show up in a \"catch-all\" section of the application menu", value, lk, g)
	}
	return ok
}
