# More usrsctp scenarios (included by CMakeLists.txt after USRSCTP_PEER is
# set): several associations and packet loss, each in a network namespace
# of its own (run_netns.sh: needs root, as CI has; nft for the loss). Names
# as the others: interop_usrsctp_tern_<role>_<scenario>, <role> is Tern's.
#   one_to_many  4 associations on the server's one-to-many socket
#   assocs_100   100 one-to-one associations at once
#   loss_5pct    2000 messages each way, 5 % of datagrams dropped (nftables)
set(TERN_INTEROP_NETNS_SCENARIOS one_to_many:0 assocs_100:0 loss_5pct:5)
foreach(entry ${TERN_INTEROP_NETNS_SCENARIOS})
    string(REPLACE ":" ";" parts ${entry})
    list(GET parts 0 scenario)
    list(GET parts 1 loss)
    foreach(role client server)
        tern_interop_test(NAME usrsctp PEER usrsctp PEER_BIN ${USRSCTP_PEER} ROLE ${role}
                          SCENARIO ${scenario} TIMEOUT 180
                          DRIVER ${CMAKE_CURRENT_SOURCE_DIR}/run_netns.sh ${loss})
    endforeach()
endforeach()
