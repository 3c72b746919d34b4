package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"go.yaml.in/yaml/v3"
)

// readFile reads a YAML (.yaml, .yml) or TOML (.toml) configuration file into values by
// key. Sections nest keys: `log: {level: debug}` and `[log] level = "debug"` both set
// log.level.
func readFile(path string) (map[string]value, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	var doc map[string]any
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("configuration file %s: %w", path, err)
		}
	case ".toml":
		if err := toml.Unmarshal(body, &doc); err != nil {
			var de *toml.DecodeError
			if errors.As(err, &de) {
				row, col := de.Position()
				return nil, fmt.Errorf("configuration file %s:%d:%d: %s", path, row, col, de.Error())
			}
			return nil, fmt.Errorf("configuration file %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("configuration file %s: unknown format %q (want .yaml, .yml or .toml)", path, ext)
	}
	out := map[string]value{}
	src := "file " + path
	var errs []error
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			key := prefix + k
			if sub, ok := m[k].(map[string]any); ok {
				walk(key+".", sub)
				continue
			}
			fd, ok := field(key)
			secretFile := false
			if !ok {
				if base, isFile := strings.CutSuffix(key, "_file"); isFile {
					if sf, ok2 := field(base); ok2 && sf.Secret {
						fd, ok, secretFile = sf, true, true
					}
				}
			}
			if !ok {
				errs = append(errs, fmt.Errorf("%s: unknown key in %s%s", key, path, suggest(key, fileKeys())))
				continue
			}
			if fd.Secret && !secretFile {
				errs = append(errs, fmt.Errorf("%s: secrets are not read from the configuration file; set %s or %s_file (a file holding it)", key, fd.Env(), fd.Key))
				continue
			}
			s, err := scalar(m[k])
			if err != nil {
				errs = append(errs, fmt.Errorf("%s (from %s): %w", key, src, err))
				continue
			}
			if secretFile {
				if s, err = readSecret(s); err != nil {
					errs = append(errs, fmt.Errorf("%s (from %s): %w", key, src, err))
					continue
				}
			}
			out[fd.Key] = value{s, src}
		}
	}
	walk("", doc)
	if len(errs) > 0 {
		return nil, &Error{errs}
	}
	return out, nil
}

func fileKeys() []string {
	var out []string
	for _, f := range Fields {
		if f.Secret {
			out = append(out, f.Key+"_file")
		} else {
			out = append(out, f.Key)
		}
	}
	return out
}

// scalar renders a decoded value in the text form the settings parse; lists join with
// commas.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case time.Duration:
		return x.String(), nil
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, err := scalar(e)
			if err != nil {
				return "", err
			}
			if _, isList := e.([]any); isList {
				return "", errors.New("a list of lists is not a value")
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("%T is not a value here", v)
}
