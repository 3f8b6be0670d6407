package contend

import (
	"os"
	"testing"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk/zktest"
)

// servers are the standalone servers shared by the package's tests, one
// per backend, each started on first use and closed by TestMain.
var servers zktest.Servers

func TestMain(m *testing.M) {
	os.Exit(recipetest.Main(m, &servers, "github.com/coordkit/coordkit/recipes/internal/contend."))
}
