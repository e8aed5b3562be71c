"""Start `streamlit run` with WebRTC kept on this machine: the tests' browser and server talk
over 127.0.0.1 only (aioice would otherwise offer every network address of the machine).

Usage: python tests/loopback_streamlit.py app.py [streamlit options]
"""

import sys

import aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

if __name__ == "__main__":
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
