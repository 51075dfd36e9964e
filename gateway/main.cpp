// The gatehouse binary: everything else lives in gatehouse_lib so tests can link it.
#include "gateway/app/cli.hpp"

int main(int argc, char** argv) { return gh::app::run_cli(argc, argv); }
